import Dapper
import DapperTesting
@testable import DapperTracing  // DapperTraceValue's size
import Instrumentation
import Logging
import Testing
import Tracing

/// One trace across Kratos v1 (`kratos-trace-id`), Kratos v2 (`traceparent`, 128-bit IDs) and
/// Swift services: the bridge's default formats, which header wins, and what it keeps of a
/// 128-bit trace ID.
@Suite struct MixedFleetPropagationTests {
    static let high: UInt64 = 0x0af7_6519_16cd_43dd
    static let low: UInt64 = 0x8448_eb21_1c80_319c
    /// A Kratos v2 (OpenTelemetry) service's header: a 128-bit trace ID, sampled.
    static let traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

    /// The bridge with its default formats over a tracer that samples everything (or nothing).
    func defaultBridge(sampler: any Sampler = AlwaysSampler()) -> (DapperDistributedTracer, InMemoryReporter) {
        let reporter = InMemoryReporter()
        let tracer = DapperTracer(serviceName: "svc", reporter: reporter, sampler: sampler, defaultTags: [])
        return (DapperDistributedTracer(tracer), reporter)
    }

    /// The server span of a request with `headers`, and the headers its outgoing call sends.
    func serve(
        _ headers: [String: String], _ bridge: DapperDistributedTracer, _ reporter: InMemoryReporter
    ) throws -> (server: FinishedSpan, outgoing: [String: String]) {
        var outgoing: [String: String] = [:]
        bridge.withSpan("/api", context: bridge.context(from: headers), ofKind: .server) { span in
            outgoing = bridge.headers(for: span.context)
        }
        return (try #require(reporter.spans.first), outgoing)
    }

    static func hex(_ value: UInt64) -> String { String(value, radix: 16).leftPadded(to: 16) }

    @Test func theDefaultWritesKratosTraceIDAndTraceparent() {
        let (bridge, _) = defaultBridge()
        #expect(bridge.formats == [.kratos, .traceparent])
        let span = bridge.startSpan("call", context: .topLevel, ofKind: .client)
        defer { span.end() }
        #expect(Set(bridge.headers(for: span.context).keys) == ["kratos-trace-id", "traceparent"])
    }

    /// From a Kratos v1 service: a 64-bit trace, written in `traceparent` with a zero high half.
    @Test func aKratosHeaderAloneGivesATraceparentWithAZeroHighHalf() throws {
        let (bridge, reporter) = defaultBridge()
        let (server, outgoing) = try serve(["kratos-trace-id": "3e8:7d0:0:1"], bridge, reporter)
        #expect(server.context.traceID == 1000 && server.context.traceIDHigh == 0)
        #expect(server.context.parentID == 2000)
        let span = Self.hex(server.context.spanID)
        #expect(outgoing["traceparent"] == "00-000000000000000000000000000003e8-\(span)-01")
        #expect(outgoing["kratos-trace-id"] == "3e8:\(String(server.context.spanID, radix: 16)):7d0:1")
    }

    /// From a Kratos v2 service: the 128-bit trace ID is kept and written back whole in
    /// `traceparent`; `kratos-trace-id` gets its low 64 bits.
    @Test func aTraceparentAloneKeepsItsWholeTraceID() throws {
        let (bridge, reporter) = defaultBridge()
        let (server, outgoing) = try serve(["traceparent": Self.traceparent], bridge, reporter)
        #expect(server.context.traceID == Self.low && server.context.traceIDHigh == Self.high)
        #expect(server.context.parentID == 0xb7ad_6b71_6920_3331)
        let span = Self.hex(server.context.spanID)
        #expect(outgoing["traceparent"] == "00-0af7651916cd43dd8448eb211c80319c-\(span)-01")
        #expect(outgoing["kratos-trace-id"] == "8448eb211c80319c:\(String(server.context.spanID, radix: 16)):b7ad6b7169203331:1")
    }

    /// Swift → Swift (both headers, the same trace) keeps the 128-bit ID; the span to continue
    /// is the `kratos-trace-id`'s, the one a Kratos v1 hop in between would have rewritten.
    @Test func bothHeadersOfOneTraceKeepTheHighHalfAndTheKratosParent() throws {
        let (bridge, reporter) = defaultBridge()
        let headers = ["kratos-trace-id": "8448eb211c80319c:1111:2222:1", "traceparent": Self.traceparent]
        let (server, outgoing) = try serve(headers, bridge, reporter)
        #expect(server.context.traceID == Self.low && server.context.traceIDHigh == Self.high)
        #expect(server.context.parentID == 0x1111)
        #expect(outgoing["traceparent"]?.hasPrefix("00-0af7651916cd43dd8448eb211c80319c-") == true)
        #expect(bridge.malformedHeaderCount == 0)
    }

    /// Two traces: `kratos-trace-id` wins, and nothing of the other is kept.
    @Test func headersOfDifferentTracesContinueTheKratosOne() throws {
        let (bridge, reporter) = defaultBridge()
        let headers = ["kratos-trace-id": "3e8:7d0:0:1", "traceparent": Self.traceparent]
        let (server, outgoing) = try serve(headers, bridge, reporter)
        #expect(server.context.traceID == 1000 && server.context.traceIDHigh == 0)
        #expect(server.context.parentID == 2000)
        #expect(outgoing["traceparent"]?.hasPrefix("00-000000000000000000000000000003e8-") == true)
        #expect(bridge.malformedHeaderCount == 0)
    }

    @Test func aMalformedTraceparentBesideAValidKratosHeaderIsCountedAndIgnored() throws {
        let (bridge, reporter) = defaultBridge()
        let headers = ["kratos-trace-id": "8448eb211c80319c:1111:0:1", "traceparent": "00-0af7651916cd43dd8448eb211c80319c-zz-01"]
        let (server, _) = try serve(headers, bridge, reporter)
        #expect(server.context.traceID == Self.low && server.context.traceIDHigh == 0)
        #expect(server.context.parentID == 0x1111)
        #expect(bridge.malformedHeaderCount == 1)
    }

    /// A valid W3C trace ID whose low 64 bits are zero cannot go on to a Kratos v1 service.
    @Test func aTraceparentWhoseLowHalfIsZeroStartsANewTrace() throws {
        let (bridge, reporter) = defaultBridge()
        let (server, _) = try serve(["traceparent": "00-0af7651916cd43dd0000000000000000-b7ad6b7169203331-01"], bridge, reporter)
        #expect(server.context.traceIDHigh == 0 && server.context.parentID == 0)
        #expect(bridge.malformedHeaderCount == 1)
    }

    @Test func aKratosHeaderTakesTheHighHalfOfA128BitB3OfTheSameTrace() throws {
        let (bridge, reporter) = makeBridge(propagation: [.kratos, .b3])
        let headers = ["kratos-trace-id": "8448eb211c80319c:1111:0:1", "b3": "0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1"]
        let (server, outgoing) = try serve(headers, bridge, reporter)
        #expect(server.context.traceIDHigh == Self.high && server.context.parentID == 0x1111)
        #expect(outgoing["x-b3-traceid"] == "0af7651916cd43dd8448eb211c80319c")
        #expect(outgoing["b3"]?.hasPrefix("0af7651916cd43dd8448eb211c80319c-") == true)
    }

    @Test func everySpanOfA128BitTraceInThisProcessKeepsTheHighHalf() throws {
        let (bridge, reporter) = defaultBridge()
        bridge.withSpan("/api", context: bridge.context(from: ["traceparent": Self.traceparent]), ofKind: .server) { span in
            bridge.withSpan("db", context: span.context, ofKind: .client) { _ in }
            // Dapper's own API inside the bridged span (see DapperAPIInterop).
            currentTrace?.fork("", "native").finish()
        }
        let spans = reporter.spans
        #expect(spans.count == 3)
        #expect(spans.allSatisfy { $0.context.traceID == Self.low && $0.context.traceIDHigh == Self.high })
    }

    /// An unsampled 128-bit trace records nothing and still passes its whole ID on.
    @Test func anUnsampledTracePropagatesItsWholeTraceID() {
        let (bridge, reporter) = defaultBridge(sampler: NeverSampler())
        let incoming = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"
        bridge.withSpan("/api", context: bridge.context(from: ["traceparent": incoming]), ofKind: .server) { span in
            bridge.withSpan("call", context: span.context, ofKind: .client) { child in
                #expect(bridge.headers(for: child.context)["traceparent"] == incoming)
            }
        }
        #expect(reporter.spans.isEmpty)
    }

    @Test func aLinkToA128BitTraceKeepsItsHighHalf() throws {
        let (bridge, reporter) = defaultBridge()
        let linked = bridge.context(from: ["traceparent": Self.traceparent])
        let consumer = bridge.startSpan("dequeue", context: .topLevel, ofKind: .consumer)
        consumer.addLink(SpanLink(context: linked, attributes: [:]))
        consumer.end()
        let references = try #require(reporter.spans.first?.references)
        #expect(references == [SpanReference(kind: .followsFrom, traceID: Self.low, traceIDHigh: Self.high, spanID: 0xb7ad_6b71_6920_3331)])
    }

    /// A `ServiceContext` keeps a value of up to three words inline; a larger one would cost an
    /// allocation each time a span's context is made (BENCHMARKS.md, the unsampled loop).
    @Test func whatAServiceContextCarriesForDapperFitsInThreeWords() {
        #expect(MemoryLayout<DapperTraceValue>.size <= 3 * MemoryLayout<Int>.size)
    }

    @Test func logLinesOfA128BitTraceCarryItsWholeTraceID() {
        let (bridge, _) = defaultBridge()
        let handler = CapturingLogHandler(metadataProvider: .dapper)
        let logger = Logger(label: "test") { _ in handler }
        bridge.withSpan("/api", context: bridge.context(from: ["traceparent": Self.traceparent]), ofKind: .server) { _ in
            logger.info("inside")
        }
        #expect(handler.lines.withLock { $0.first?["trace_id"] } == .string("0af7651916cd43dd8448eb211c80319c"))
    }
}
