import Dapper
import DapperTesting
import Testing

/// A trace that came with a 128-bit ID keeps its high half (`SpanContext.traceIDHigh`) in
/// every span this process makes of it; a trace begun here, or in Kratos v1, has none.
@Suite struct WideTraceIDTests {
    static let high: UInt64 = 0x0af7_6519_16cd_43dd
    static let remote = SpanContext(traceID: 0x8448_eb21_1c80_319c, traceIDHigh: high, spanID: 0xb7ad_6b71_6920_3331, flags: .sampled)

    @Test func aContextMadeWithoutAHighHalfHasNone() {
        #expect(SpanContext(traceID: 1, spanID: 2).traceIDHigh == 0)
    }

    @Test func aNewTraceAndAKratosHeaderHaveNoHighHalf() throws {
        let (tracer, _) = makeTracer()
        let root = tracer.new("root")
        #expect(try #require(root.context).traceIDHigh == 0)
        root.finish()
        let continued = try tracer.extract(from: DictionaryCarrier(["kratos-trace-id": "3e8:7d0:0:1"]))
        #expect(try #require(continued.context).traceIDHigh == 0)
        continued.finish()
    }

    @Test func aContinuedTraceAndItsForkedAndFollowingChildrenKeepTheHighHalf() throws {
        let (tracer, reporter) = makeTracer()
        let server = tracer.continueTrace(Self.remote)
        let client = server.fork("", "call")
        let producer = client.follow("", "send")
        let grandchild = producer.fork("", "deeper")
        for span in [grandchild, producer, client, server] { span.finish() }
        let spans = reporter.spans
        try #require(spans.count == 4)
        #expect(spans.allSatisfy { $0.context.traceIDHigh == Self.high && $0.context.traceID == Self.remote.traceID })
        #expect(spans.last?.context.parentID == Self.remote.spanID)
    }

    /// `kratos-trace-id` is read by Kratos v1, whose trace IDs are 64 bits.
    @Test func theKratosTextFormCarriesTheLowHalfOnly() throws {
        let (tracer, _) = makeTracer()
        let span = tracer.continueTrace(Self.remote)
        defer { span.finish() }
        let context = try #require(span.context)
        var injected: [String: String] = [:]
        span.visit { injected[$0] = $1 }
        #expect(injected["kratos-trace-id"]?.hasPrefix("8448eb211c80319c:") == true)
        #expect(try SpanContext(parsing: context.description).traceIDHigh == 0)
    }

    /// A recycled span storage does not hand a high half on to the next trace.
    @Test func aSpanOnRecycledStorageStartsWithoutTheHighHalfOfTheLastTrace() throws {
        let (tracer, reporter) = makeTracer()
        for _ in 0..<4 {
            tracer.continueTrace(Self.remote).finish()
            tracer.new("local").finish()
        }
        let spans = reporter.spans
        #expect(spans.count == 8)
        #expect(spans.filter { $0.context.traceIDHigh == Self.high }.count == 4)
        #expect(spans.filter { $0.operationName == "local" }.allSatisfy { $0.context.traceIDHigh == 0 })
    }
}
