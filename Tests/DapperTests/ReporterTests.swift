import Dapper
import DapperTesting
import Testing

/// Reporters: the in-memory reporter's spans and statistics, the discarding reporter, and the
/// value types they return.
@Suite struct ReporterTests {
    static func finished(_ name: String) -> FinishedSpan {
        FinishedSpan(
            serviceName: "svc", operationName: name, context: SpanContext(traceID: 1, spanID: 1, flags: .sampled),
            startTimeNanos: 1, durationNanos: 2)
    }

    @Test func inMemoryReporterKeepsSpansInOrderAndCountsThem() {
        let reporter = InMemoryReporter()
        #expect(reporter.statistics == ReporterStatistics())
        for name in ["a", "b", "c"] { reporter.report(Self.finished(name)) }
        #expect(reporter.spans.map(\.operationName) == ["a", "b", "c"])
        #expect(reporter.statistics == ReporterStatistics(reported: 3, delivered: 3, dropped: [:]))
        #expect(reporter.statistics.totalDropped == 0)
    }

    @Test func clearForgetsSpansButNotStatistics() {
        let reporter = InMemoryReporter()
        reporter.report(Self.finished("a"))
        reporter.clear()
        #expect(reporter.spans.isEmpty)
        #expect(reporter.statistics.reported == 1)
        reporter.report(Self.finished("b"))
        #expect(reporter.spans.map(\.operationName) == ["b"])
    }

    @Test func closedReporterCountsDropsWithReasonClosed() async {
        let reporter = InMemoryReporter()
        reporter.report(Self.finished("before"))
        #expect(!reporter.isClosed)
        let result = await reporter.close()
        #expect(result.isComplete)
        #expect(reporter.isClosed)
        reporter.report(Self.finished("after-1"))
        reporter.report(Self.finished("after-2"))
        #expect(reporter.spans.map(\.operationName) == ["before"])
        let statistics = reporter.statistics
        #expect(statistics.reported == 3)
        #expect(statistics.delivered == 1)
        #expect(statistics.dropped == [.closed: 2])
        #expect(statistics.totalDropped == 2)
    }

    @Test func inMemoryReporterFlushIsComplete() async {
        let reporter = InMemoryReporter()
        reporter.report(Self.finished("a"))
        #expect(await reporter.flush().isComplete)
        #expect(await reporter.flush(timeout: .milliseconds(1)) == FlushResult())
        #expect(!reporter.isClosed)
    }

    @Test func tracerReportsOnlyRecordedSpansToTheReporter() {
        let sampled = makeTracer(sampler: AlwaysSampler())
        let unsampled = makeTracer(sampler: NeverSampler())
        for _ in 0..<5 {
            sampled.tracer.new("s").finish()
            unsampled.tracer.new("u").finish()
        }
        unsampled.tracer.new("d", debug: true).finish()
        #expect(sampled.reporter.statistics.reported == 5)
        #expect(sampled.reporter.statistics.delivered == 5)
        #expect(unsampled.reporter.statistics.reported == 1)
    }

    @Test func discardingReporterCountsNothing() async {
        let reporter = DiscardingReporter()
        reporter.report(Self.finished("a"))
        #expect(reporter.statistics == ReporterStatistics())
        #expect(await reporter.flush() == FlushResult())
        #expect(await reporter.close() == FlushResult())
        let tracer = DapperTracer(serviceName: "svc", reporter: reporter, sampler: AlwaysSampler(), defaultTags: [])
        tracer.new("a").finish()
    }

    @Test func flushResultIsCompleteOnlyWithoutDropsOrPending() {
        #expect(FlushResult().isComplete)
        #expect(FlushResult(delivered: 10).isComplete)
        #expect(!FlushResult(dropped: 1).isComplete)
        #expect(!FlushResult(pending: 1).isComplete)
    }

    @Test func dropReasonsHaveStableDistinctNames() {
        let reasons: [DropReason] = [
            .queueFull, .oversize, .notConnected, .writeError, .closed, .rejected, .timeout, .encodingError,
        ]
        #expect(DropReason.closed.name == "closed")
        #expect(DropReason.queueFull.description == "queue_full")
        #expect(Set(reasons.map(\.name)).count == reasons.count)
        #expect(DropReason("closed") == .closed)
    }

    @Test func totalDroppedSumsEveryReason() {
        let statistics = ReporterStatistics(reported: 9, delivered: 3, dropped: [.closed: 2, .queueFull: 4])
        #expect(statistics.totalDropped == 6)
    }
}
