import Dapper
import DapperTesting
import DapperWireTestSupport
@_spi(WireEncoders) import DapperWire
import Testing

/// The bookkeeping every encoder's prefix cache shares; the encoders' own tests check that
/// their cached bytes equal an encoding from scratch.
@Suite struct SharedTagPrefixTests {
    /// Spans of one tracer with `defaultTags`, the `index`-th with `ownTags(index)`.
    private func spans(defaultTags: [SpanTag], count: Int, ownTags: (Int) -> [SpanTag] = { _ in [] }) -> [FinishedSpan] {
        let reporter = InMemoryReporter()
        let tracer = DapperTracer(serviceName: "svc", reporter: reporter, sampler: .always, defaultTags: defaultTags)
        for index in 0..<count {
            let span = tracer.new("op-\(index)")
            for tag in ownTags(index) { span.setTag(tag) }
            span.finish()
        }
        return reporter.spans
    }

    /// `update` for `span`, recording the prefixes `encode` was asked for and answering `accept`.
    private func update(
        _ cache: inout SharedTagPrefix, _ span: FinishedSpan, accept: Bool = true, encoded: inout [[SpanTag]]
    ) -> Bool {
        span.tags.withBuffers { shared, _ in
            cache.update(to: shared, identity: span.tags.sharedIdentity, of: span.tags) { prefix in
                encoded.append(prefix)
                return accept
            }
        }
    }

    private func isOverridden(_ cache: SharedTagPrefix, _ span: FinishedSpan) -> Bool {
        span.tags.withBuffers { _, own in cache.isOverridden(by: own) }
    }

    @Test func theSamePrefixIsEncodedOnceAndANewOneAgain() {
        let first = spans(defaultTags: [SpanTag(key: "region", value: "a")], count: 3)
        let second = spans(defaultTags: [SpanTag(key: "region", value: "a")], count: 2)
        var cache = SharedTagPrefix()
        var encoded: [[SpanTag]] = []
        for span in first { #expect(update(&cache, span, encoded: &encoded)) }
        #expect(encoded == [first[0].tags.sharedPrefix])
        #expect(cache.count == first[0].tags.sharedPrefix.count)

        // Equal tags from another tracer have another identity: encoded again, then cached.
        for span in second { #expect(update(&cache, span, encoded: &encoded)) }
        #expect(encoded.count == 2)
        #expect(update(&cache, first[0], encoded: &encoded))
        #expect(encoded.count == 3)
    }

    @Test func aPrefixCopiedByTwoThreadsIsEncodedOnceAndAChangedOneAgain() throws {
        let spans = try PrefixCopySpans.spans()
        var cache = SharedTagPrefix()
        var encoded: [[SpanTag]] = []
        // The first two are the tracer's prefix in two threads' arrays; the last two were
        // changed after their finish, and lost the tracer's identity.
        for span in spans + [spans[0]] { #expect(update(&cache, span, encoded: &encoded)) }
        #expect(encoded == [spans[0].tags.sharedPrefix, spans[2].tags.sharedPrefix, spans[3].tags.sharedPrefix, spans[0].tags.sharedPrefix])
    }

    @Test func aRefusedPrefixLeavesTheCachedOneInPlace() {
        let first = spans(defaultTags: [SpanTag(key: "region", value: "a")], count: 1)[0]
        let second = spans(defaultTags: [SpanTag(key: "zone", value: "b")], count: 1)[0]
        var cache = SharedTagPrefix()
        var encoded: [[SpanTag]] = []
        #expect(update(&cache, first, encoded: &encoded))
        #expect(!update(&cache, second, accept: false, encoded: &encoded))
        #expect(encoded.count == 2)
        #expect(update(&cache, first, encoded: &encoded))
        #expect(encoded.count == 2)
        // The refused prefix's keys are not the cached ones.
        let zone = spans(defaultTags: [SpanTag(key: "region", value: "a")], count: 1) { _ in [SpanTag(key: "zone", value: "c")] }
        #expect(!isOverridden(cache, zone[0]))
    }

    @Test func afterClearTheSamePrefixIsEncodedAgain() {
        let span = spans(defaultTags: [SpanTag(key: "region", value: "a")], count: 1)[0]
        var cache = SharedTagPrefix()
        var encoded: [[SpanTag]] = []
        #expect(update(&cache, span, encoded: &encoded))
        cache.clear()
        #expect(cache.count == 0)
        #expect(update(&cache, span, encoded: &encoded))
        #expect(encoded.count == 2)
    }

    @Test func anOwnTagWithAPrefixKeyOverridesIt() {
        let long = String(repeating: "k", count: 70)
        let defaults = [SpanTag(key: "region", value: "a"), SpanTag(key: "zone", value: "b"), SpanTag(key: long, value: "c")]
        let own: [[SpanTag]] = [
            [SpanTag(key: "http.method", value: "GET")],  // no prefix key has its length
            [SpanTag(key: "mode", value: "x"), SpanTag(key: "region2", value: "y")],  // lengths of prefix keys, other keys
            [SpanTag(key: String(repeating: "k", count: 64), value: "z")],  // a long key, as the bit of every long key
            [SpanTag(key: "retry", value: false), SpanTag(key: "zone", value: "override")],
            [SpanTag(key: long, value: "override")],
        ]
        let spans = spans(defaultTags: defaults, count: own.count) { own[$0] }
        var cache = SharedTagPrefix()
        var encoded: [[SpanTag]] = []
        #expect(update(&cache, spans[0], encoded: &encoded))
        #expect(spans.map { isOverridden(cache, $0) } == [false, false, false, true, true])
    }
}
