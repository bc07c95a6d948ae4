import Dapper
import DapperTesting
import Dispatch

/// Spans whose tag prefixes are one tracer's in different arrays: one finished on this thread,
/// one on another (each thread reports its own copy of the prefix, with the tracer's identity),
/// then copies of the first whose prefix was changed after the finish, in its first tag and in
/// its second. The encoders' prefix caches must see the first two as one prefix and the changed
/// ones as others: each span of `spans` must encode as it does without a cache.
package enum PrefixCopySpans {
    package static func spans() throws -> [FinishedSpan] {
        let reporter = InMemoryReporter()
        let tracer = DapperTracer(
            serviceName: "svc", reporter: reporter, sampler: .always,
            defaultTags: [SpanTag(key: "region", value: "r1"), SpanTag(key: "zone", value: "z1")])
        let here = tracer.new("here")
        here.setTag("own", 1)
        here.finish()
        let done = DispatchSemaphore(value: 0)
        try startThread {
            let there = tracer.new("there")
            there.setTag("own", 2)
            there.finish()
            done.signal()
        }
        done.wait()
        var spans = reporter.spans
        var changedFirst = spans[0]
        changedFirst.tags[0] = SpanTag(key: "region", value: "changed")
        // A tag after the first: `span.kind`, the last, would not do for the Zipkin encoders,
        // which leave it out of the tags.
        var changedSecond = spans[0]
        changedSecond.tags[1] = SpanTag(key: "zone", value: "changed")
        spans += [changedFirst, changedSecond]
        return spans
    }
}
