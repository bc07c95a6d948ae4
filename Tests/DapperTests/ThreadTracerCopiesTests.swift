@testable import Dapper
import DapperTesting
import Dispatch
import Testing

/// Each thread reports a tracer's service name and tag prefix from copies of its own (so that
/// threads do not write one reference count), which must be indistinguishable from the
/// tracer's values but for the storage they live in.
@Suite struct ThreadTracerCopiesTests {
    /// Finishes a span of `tracer` of operation `name` on a new thread, and waits for it.
    private func finishOnAnotherThread(_ tracer: DapperTracer, _ name: String) throws {
        let done = DispatchSemaphore(value: 0)
        try startThread {
            tracer.new(name).finish()
            done.signal()
        }
        done.wait()
    }

    private func sharedAddress(_ span: FinishedSpan) -> UnsafeRawPointer? {
        span.tags.withBuffers { shared, _ in shared.baseAddress.map(UnsafeRawPointer.init) }
    }

    private func address(_ string: String) -> UnsafeRawPointer? {
        var string = string
        return string.withUTF8 { $0.baseAddress.map(UnsafeRawPointer.init) }
    }

    private func text(_ value: SpanTagValue?) -> String {
        if case .string(let text)? = value { return text }
        return ""
    }

    @Test func spansFinishedOnTwoThreadsCarryTheTracersValuesInTheirOwnCopies() throws {
        let reporter = InMemoryReporter()
        // Longer than 15 bytes: strings with storage of their own, not inline ones.
        let serviceName = String(repeating: "service-", count: 3)
        let defaultTags = [SpanTag(key: "hostname", value: .string(String(repeating: "host-", count: 4)))]
        let tracer = DapperTracer(serviceName: serviceName, reporter: reporter, sampler: .always, defaultTags: defaultTags)
        tracer.new("here").finish()
        try finishOnAnotherThread(tracer, "there")

        let spans = reporter.spans
        try #require(spans.count == 2)
        for span in spans {
            #expect(span.serviceName == serviceName)
            #expect(Array(span.tags) == defaultTags + [SpanTag(key: "span.kind", value: "server")])
        }
        #expect(spans[0].tags.sharedIdentity != 0)
        #expect(spans[0].tags.sharedIdentity == spans[1].tags.sharedIdentity)
        #expect(sharedAddress(spans[0]) != sharedAddress(spans[1]))
        #expect(sharedAddress(spans[0]) != tracer.sharedTags(.server).withUnsafeBufferPointer { $0.baseAddress.map(UnsafeRawPointer.init) })
        // The strings too: sharing a string shares its reference count.
        let serviceNames = Set([address(spans[0].serviceName), address(spans[1].serviceName), address(tracer.serviceName)])
        #expect(serviceNames.count == 3)
        let hostnames = Set([
            address(text(spans[0].tag("hostname"))), address(text(spans[1].tag("hostname"))),
            address(text(tracer.defaultTags[0].value)),
        ])
        #expect(hostnames.count == 3)
    }

    @Test func spansOfOneThreadShareItsCopy() {
        let (tracer, reporter) = makeTracer()
        tracer.new("a").finish()
        tracer.new("b").finish()
        let spans = reporter.spans
        #expect(sharedAddress(spans[0]) == sharedAddress(spans[1]))
    }

    @Test func eachKindAndEachTracerHasItsOwnPrefixIdentity() {
        let reporter = InMemoryReporter()
        let tags = [SpanTag(key: "region", value: "r")]
        let first = DapperTracer(serviceName: "svc", reporter: reporter, sampler: .always, defaultTags: tags)
        let second = DapperTracer(serviceName: "svc", reporter: reporter, sampler: .always, defaultTags: tags)
        let root = first.new("root")
        root.fork("", "client").finish()
        root.follow("", "producer").finish()
        root.finish()
        second.new("root").finish()
        let identities = reporter.spans.map(\.tags.sharedIdentity)
        #expect(identities.count == 4)
        #expect(Set(identities).count == 4)
        #expect(!identities.contains(0))
    }

    @Test func aThreadFinishingSpansOfMoreTracersThanItKeepsCopiesOfStillReportsEachTracersValues() {
        let reporter = InMemoryReporter()
        let count = ThreadTracerCopies.capacity + 3
        let tracers = (0..<count).map { index in
            DapperTracer(
                serviceName: "service-\(index)", reporter: reporter, sampler: .always,
                defaultTags: [SpanTag(key: "index", value: .int(Int64(index)))])
        }
        // Round-robin over more tracers than the thread keeps copies of: every span evicts.
        for round in 0..<3 {
            for (index, tracer) in tracers.enumerated() { tracer.new("round-\(round)-\(index)").finish() }
        }
        let spans = reporter.spans
        #expect(spans.count == 3 * count)
        for (position, span) in spans.enumerated() {
            let index = position % count
            #expect(span.serviceName == "service-\(index)")
            #expect(span.tag("index") == .int(Int64(index)))
            #expect(span.tags.sharedIdentity == tracers[index].sharedTagsIdentity(.server))
        }
    }

    @Test func everyKindFitsInThePrefixIdentitysThreeLowBits() {
        #expect(SpanKind.allCases.count <= 8)
        #expect(SpanKind.allCases.allSatisfy { $0.rawValue < 8 })
    }

    @Test func aDistinctCopyOfAStringHasStorageOfItsOwn() {
        let original = String(repeating: "x", count: 40)
        let copy = ThreadTracerCopies.distinctCopy(of: original)
        #expect(copy == original)
        var a = original
        var b = copy
        let addresses = a.withUTF8 { a in b.withUTF8 { b in (a.baseAddress, b.baseAddress) } }
        #expect(addresses.0 != addresses.1)
        #expect(ThreadTracerCopies.distinctCopy(of: "") == "")
        #expect(ThreadTracerCopies.distinctCopy(of: "héllo wörld, ünïcode ✓") == "héllo wörld, ünïcode ✓")
    }
}
