import Dapper
import DapperAgentTestSupport
import DapperCollector
import Foundation
import Testing

/// The agent's widening of Kratos v1 spans of 128-bit traces, with short windows: what is
/// asserted is which spans come out and with what ID, never how long anything took.
@Suite struct TraceIDWideningTests {
    static let high: UInt64 = 0x4bf9_2f35_77b3_4da6

    final class Delivered: @unchecked Sendable {
        // @unchecked: `spans` is only touched under `lock`.
        private let lock = NSLock()
        private var spans: [FinishedSpan] = []
        func add(_ span: FinishedSpan) { lock.withLock { spans.append(span) } }
        var all: [FinishedSpan] { lock.withLock { spans } }
    }

    static func span(_ name: String, traceID: UInt64, high: UInt64 = 0) -> FinishedSpan {
        FinishedSpan(
            serviceName: "svc", operationName: name,
            context: SpanContext(traceID: traceID, traceIDHigh: high, spanID: UInt64(name.utf8.count) + 1, flags: .sampled),
            startTimeNanos: 1, durationNanos: 1)
    }

    @Test func withoutAny128BitTraceNothingIsHeld() throws {
        let delivered = Delivered()
        let widening = try TraceIDWidening(window: .seconds(3600)) { delivered.add($0) }
        defer { widening.stop() }
        widening.submit(Self.span("a", traceID: 1))
        widening.submit(Self.span("b", traceID: 2))
        #expect(delivered.all.map(\.operationName) == ["a", "b"])
        #expect(widening.heldCount == 0)
    }

    @Test func aSpanOfAKnownTraceIsWidenedAtOnce() throws {
        let delivered = Delivered()
        let widening = try TraceIDWidening(window: .seconds(3600)) { delivered.add($0) }
        defer { widening.stop() }
        widening.submit(Self.span("swift", traceID: 7, high: Self.high))
        widening.submit(Self.span("kratos-v1", traceID: 7))
        #expect(delivered.all.map(\.context.traceIDHigh) == [Self.high, Self.high])
        #expect(widening.widenedCount == 1)
    }

    @Test func aSpanThatArrivesBeforeItsTracesHighHalfIsHeldThenWidened() async throws {
        let delivered = Delivered()
        let widening = try TraceIDWidening(window: .milliseconds(200)) { delivered.add($0) }
        defer { widening.stop() }
        widening.submit(Self.span("other", traceID: 99, high: 0x1))  // the agent has seen a 128-bit trace
        widening.submit(Self.span("kratos-v1", traceID: 7))  // the v1 hop finishes first
        #expect(widening.heldCount == 1)
        widening.submit(Self.span("swift-parent", traceID: 7, high: Self.high))
        #expect(await eventually(timeout: .seconds(10)) { delivered.all.count == 3 })
        let v1 = try #require(delivered.all.first { $0.operationName == "kratos-v1" })
        #expect(v1.context.traceIDHigh == Self.high && v1.context.traceID == 7)
    }

    @Test func aHeldSpanWhoseTraceStaysUnknownIsDeliveredAsItCame() async throws {
        let delivered = Delivered()
        let widening = try TraceIDWidening(window: .milliseconds(50)) { delivered.add($0) }
        defer { widening.stop() }
        widening.submit(Self.span("other", traceID: 99, high: 0x1))
        widening.submit(Self.span("plain", traceID: 8))
        #expect(await eventually(timeout: .seconds(10)) { delivered.all.count == 2 })
        #expect(delivered.all.last?.context.traceIDHigh == 0)
        #expect(widening.widenedCount == 0)
    }

    @Test func overCapacityTheOldestHeldSpanGoesOnAndNothingIsLost() throws {
        let delivered = Delivered()
        let widening = try TraceIDWidening(window: .seconds(3600), capacity: 2) { delivered.add($0) }
        defer { widening.stop() }
        widening.submit(Self.span("wide", traceID: 99, high: 0x1))
        for index in 0..<5 { widening.submit(Self.span("held-\(index)", traceID: 100 + UInt64(index))) }
        #expect(widening.heldCount == 2)
        #expect(delivered.all.map(\.operationName) == ["wide", "held-0", "held-1", "held-2"])
        widening.drain()
        #expect(delivered.all.count == 6 && widening.heldCount == 0)
    }

    @Test func stopDeliversWhatIsHeldWidenedWhereKnown() throws {
        let delivered = Delivered()
        let widening = try TraceIDWidening(window: .seconds(3600)) { delivered.add($0) }
        widening.submit(Self.span("other", traceID: 99, high: 0x1))
        widening.submit(Self.span("kratos-v1", traceID: 7))
        widening.submit(Self.span("unknown", traceID: 8))
        widening.submit(Self.span("swift-parent", traceID: 7, high: Self.high))
        widening.stop()
        let byName = Dictionary(uniqueKeysWithValues: delivered.all.map { ($0.operationName, $0.context.traceIDHigh) })
        #expect(byName == ["other": 0x1, "kratos-v1": Self.high, "unknown": 0, "swift-parent": Self.high])
        widening.submit(Self.span("after-stop", traceID: 8))
        #expect(delivered.all.count == 5)
    }

    @Test func theOldestRememberedTracesAreForgotten() throws {
        let delivered = Delivered()
        let widening = try TraceIDWidening(window: .zero, rememberedTraces: 2) { delivered.add($0) }
        defer { widening.stop() }
        for traceID: UInt64 in 1...3 { widening.submit(Self.span("wide-\(traceID)", traceID: traceID, high: 0x10 + traceID)) }
        for traceID: UInt64 in 1...3 { widening.submit(Self.span("narrow-\(traceID)", traceID: traceID)) }
        let narrow = delivered.all.filter { $0.operationName.hasPrefix("narrow") }.map(\.context.traceIDHigh)
        #expect(narrow == [0, 0x12, 0x13])
    }
}
