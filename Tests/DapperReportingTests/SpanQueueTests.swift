import Dapper
import DapperReporting
import Testing

@Suite struct SpanQueueTests {
    private func span(_ index: Int) -> FinishedSpan {
        FinishedSpan(
            serviceName: "queue", operationName: "op-\(index)",
            context: SpanContext(traceID: UInt64(index + 1), spanID: UInt64(index + 1), flags: .sampled),
            startTimeNanos: 1, durationNanos: 1)
    }

    @Test func aLargeQueueAllocatesSlotsOnlyAsSpansWaitAndKeepsTheirOrder() {
        let queue = SpanQueue(capacity: 1_000_000)
        #expect(queue.allocatedSlots == 16_384)
        // Wrap the ring first, so that growing has two runs to move.
        for index in 0..<10 { #expect(queue.push(span(index)) == .queued) }
        let batch = UnsafeMutablePointer<FinishedSpan>.allocate(capacity: 40_000)
        defer { batch.deallocate() }
        #expect(queue.take(into: batch, maximum: 10, deadline: 0).count == 10)
        batch.deinitialize(count: 10)
        for index in 0..<40_000 { #expect(queue.push(span(index)) == .queued) }
        #expect(queue.allocatedSlots == 65_536)
        let taken = queue.take(into: batch, maximum: 40_000, deadline: 0)
        #expect(taken.count == 40_000)
        #expect((0..<40_000).allSatisfy { batch[$0].operationName == "op-\($0)" })
        batch.deinitialize(count: taken.count)
    }

    @Test func aQueueStillRefusesSpansBeyondItsCapacityAfterGrowing() {
        let queue = SpanQueue(capacity: 20_000)
        for index in 0..<20_000 { #expect(queue.push(span(index)) == .queued) }
        #expect(queue.allocatedSlots == 20_000)
        #expect(queue.push(span(0)) == .full)
    }
}
