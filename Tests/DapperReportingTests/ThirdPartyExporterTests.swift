import Dapper
import DapperReporting
import Dispatch
import Foundation
import Synchronization
import Testing

// Everything in this file uses only the `public` API of Dapper and DapperReporting, as an
// exporter written outside this package would: no `@testable`, no `package` declarations
// (SwiftPM would let a test target of the package see those; review keeps them out). The
// pipeline's guarantees are checked here through that API alone.

/// What the test exporter saw, shared with the test (the exporter itself lives on the
/// pipeline's thread).
final class ExportLog: @unchecked Sendable {
    // @unchecked: `state` is only touched inside `withLock`, under `lock`. An NSLock (a
    // pthread mutex) rather than `Synchronization.Mutex`, so that the thread sanitizer sees
    // the ordering.
    struct State {
        /// The operation names of each export call, in order.
        var calls: [[String]] = []
        var shutdowns = 0
        var gaveUp: [(count: Int, attempts: Int, reason: DropReason)] = []
    }

    private let lock = NSLock()
    private var state = State()

    func withLock<Result>(_ body: (inout State) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(&state)
    }

    var calls: [[String]] { withLock { $0.calls } }
    var shutdowns: Int { withLock { $0.shutdowns } }
    var gaveUp: [(count: Int, attempts: Int, reason: DropReason)] { withLock { $0.gaveUp } }
}

/// Holds exports until the test opens it, to play a slow destination without timing.
final class Gate: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    private let arrivals = Atomic<Int>(0)

    /// Exports that reached the gate so far.
    var arrived: Int { arrivals.load(ordering: .relaxed) }

    func pass() {
        arrivals.add(1, ordering: .relaxed)
        semaphore.wait()
    }

    /// Lets `count` waiting (or future) exports through.
    func open(_ count: Int = 1_000) {
        for _ in 0..<count { semaphore.signal() }
    }
}

/// An exporter as a third party would write it: it "sends" a batch by recording its spans'
/// operation names, and answers what `behaviour` says for each call (by call number).
final class RecordingExporter: SpanExporter {
    let name = "test"
    private let log: ExportLog
    private let gate: Gate?
    private let behaviour: (_ call: Int, _ spans: UnsafeBufferPointer<FinishedSpan>) -> ExportResult
    private var callCount = 0

    init(
        log: ExportLog, gate: Gate? = nil,
        behaviour: @escaping (_ call: Int, _ spans: UnsafeBufferPointer<FinishedSpan>) -> ExportResult = { _, spans in
            .delivered(spans.count)
        }
    ) {
        self.log = log
        self.gate = gate
        self.behaviour = behaviour
    }

    /// One byte per character of the operation name: sizes the tests can reason about.
    static func estimatedSize(of span: FinishedSpan) -> Int { span.operationName.utf8.count }

    func export(_ spans: UnsafeBufferPointer<FinishedSpan>, deadline: ContinuousClock.Instant) -> ExportResult {
        let names = spans.map(\.operationName)
        log.withLock { $0.calls.append(names) }
        gate?.pass()
        callCount += 1
        return behaviour(callCount, spans)
    }

    func didDrop(_ count: Int, after attempts: Int, reason: DropReason) {
        log.withLock { $0.gaveUp.append((count, attempts, reason)) }
    }

    func shutdown() {
        log.withLock { $0.shutdowns += 1 }
    }
}

/// An exporter whose size estimate is wrong in the worst way: negative.
final class NegativeSizeExporter: SpanExporter {
    let name = "negative"
    private let inner: RecordingExporter

    init(inner: RecordingExporter) { self.inner = inner }

    static func estimatedSize(of span: FinishedSpan) -> Int { -1_000_000 }

    func export(_ spans: UnsafeBufferPointer<FinishedSpan>, deadline: ContinuousClock.Instant) -> ExportResult {
        inner.export(spans, deadline: deadline)
    }

    func shutdown() { inner.shutdown() }
}

@Suite struct ThirdPartyExporterTests {
    private func span(_ name: String) -> FinishedSpan { testSpan(name, service: "third-party") }

    @Test func spansReportedAreExportedInOrderAndTheExporterIsShutDownOnceOnClose() async throws {
        let log = ExportLog()
        let reporter = try BatchingReporter(exporter: RecordingExporter(log: log), configuration: fastRetryConfiguration())
        #expect(reporter.exporterName == "test")
        for index in 0..<100 { reporter.report(span("op-\(index)")) }
        let result = await reporter.close(timeout: .seconds(10))
        #expect(result.isComplete, "\(result)")
        #expect(log.calls.flatMap { $0 } == (0..<100).map { "op-\($0)" })
        #expect(reporter.statistics == ReporterStatistics(reported: 100, delivered: 100))
        #expect(log.shutdowns == 1)
    }

    @Test func reportOnAFullQueueReturnsWithoutWaitingAndCountsQueueFull() async throws {
        let log = ExportLog()
        let gate = Gate()
        let reporter = try BatchingReporter(
            exporter: RecordingExporter(log: log, gate: gate),
            configuration: fastRetryConfiguration {
                $0.queueCapacity = 4
                $0.maximumBatchSpans = 1
            })
        reporter.report(span("in-flight"))
        #expect(await eventually { gate.arrived == 1 })
        // The exporter is blocked: these calls would hang if report waited for room.
        for index in 0..<14 { reporter.report(span("queued-\(index)")) }
        #expect(reporter.statistics.dropped[.queueFull] == 10)
        #expect(reporter.queuedCount == 4)
        gate.open()
        let result = await reporter.close(timeout: .seconds(10))
        #expect(result.isComplete)
        #expect(reporter.statistics == ReporterStatistics(reported: 15, delivered: 5, dropped: [.queueFull: 10]))
    }

    @Test func theQueuesByteBoundCountsSpansBeyondItAsQueueFull() async throws {
        let log = ExportLog()
        let gate = Gate()
        let reporter = try BatchingReporter(
            exporter: RecordingExporter(log: log, gate: gate),
            configuration: fastRetryConfiguration {
                $0.queueByteLimit = 100
                $0.maximumBatchSpans = 1
            })
        reporter.report(span("in-flight"))
        #expect(await eventually { gate.arrived == 1 })
        let forty = String(repeating: "x", count: 40)
        for _ in 0..<3 { reporter.report(span(forty)) }
        #expect(reporter.queuedBytes == 80)
        #expect(reporter.statistics.dropped[.queueFull] == 1)
        reporter.report(span(String(repeating: "y", count: 20)))
        #expect(reporter.queuedBytes == 100)
        gate.open()
        #expect((await reporter.close(timeout: .seconds(10))).isComplete)
        #expect(reporter.statistics.delivered == 4)
    }

    @Test func aNegativeSizeEstimateCountsAsNothingAndKeepsTheByteBound() async throws {
        let log = ExportLog()
        let gate = Gate()
        let reporter = try BatchingReporter(
            exporter: NegativeSizeExporter(inner: RecordingExporter(log: log, gate: gate)),
            configuration: fastRetryConfiguration {
                $0.queueByteLimit = 10
                $0.maximumBatchSpans = 1
            })
        reporter.report(span("in-flight"))
        #expect(await eventually { gate.arrived == 1 })
        for index in 0..<5 { reporter.report(span("op-\(index)")) }
        #expect(reporter.queuedBytes == 0)
        #expect(reporter.queuedCount == 5)
        gate.open()
        #expect((await reporter.close(timeout: .seconds(10))).isComplete)
        #expect(reporter.statistics.delivered == 6)
    }

    @Test func aBatchStaysWithinItsByteBoundAndALargerSpanGoesAlone() async throws {
        let log = ExportLog()
        let gate = Gate()
        let reporter = try BatchingReporter(
            exporter: RecordingExporter(log: log, gate: gate),
            configuration: fastRetryConfiguration { $0.maximumBatchBytes = 10 })
        reporter.report(span("hold"))
        #expect(await eventually { gate.arrived == 1 })
        for name in ["aaaa", "bbbb", "cccc", String(repeating: "L", count: 30), "dd"] { reporter.report(span(name)) }
        gate.open()
        #expect((await reporter.close(timeout: .seconds(10))).isComplete)
        #expect(log.calls == [["hold"], ["aaaa", "bbbb"], ["cccc"], [String(repeating: "L", count: 30)], ["dd"]])
    }

    @Test func everySpanIsDeliveredOrCountedWhileManyTasksReport() async throws {
        let log = ExportLog()
        // Every third batch is rejected, every other one loses its last span as oversize.
        let exporter = RecordingExporter(log: log) { call, spans in
            if call % 3 == 0 { return .failed(reason: .rejected, retry: .never) }
            var result = ExportResult()
            result.deliver(spans.count - 1)
            result.drop(.oversize)
            return result
        }
        let reporter = try BatchingReporter(
            exporter: exporter,
            configuration: fastRetryConfiguration {
                $0.queueCapacity = 512
                $0.maximumBatchSpans = 32
            })
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<4 {
                group.addTask {
                    for index in 0..<5_000 { reporter.report(span("t\(task)-\(index)")) }
                }
            }
        }
        _ = await reporter.close(timeout: .seconds(30))
        let statistics = reporter.statistics
        #expect(statistics.reported == 20_000)
        #expect(statistics.delivered + statistics.totalDropped == 20_000, "\(statistics)")
        #expect(log.calls.reduce(0) { $0 + $1.count } + statistics.dropped[.queueFull, default: 0] == 20_000)
        #expect(statistics.dropped[.rejected, default: 0] > 0)
        #expect(statistics.dropped[.oversize, default: 0] > 0)
    }

    @Test func aRetryableFailureIsTriedAgainUpToTheAttemptsThenCountedUnderItsReason() async throws {
        let log = ExportLog()
        let reporter = try BatchingReporter(
            exporter: RecordingExporter(log: log) { _, _ in .failed(reason: .timeout, retry: .afterBackoff) },
            configuration: fastRetryConfiguration {
                $0.maximumAttempts = 3
                $0.batchInterval = .seconds(3600)
            })
        for index in 0..<5 { reporter.report(span("op-\(index)")) }
        _ = await reporter.flush(timeout: .seconds(10))
        let names = (0..<5).map { "op-\($0)" }
        #expect(log.calls == [names, names, names])
        #expect(reporter.retries == 2)
        #expect(reporter.statistics.dropped == [.timeout: 5])
        #expect(log.gaveUp.map { $0.attempts } == [3])
        #expect(log.gaveUp.map { $0.reason } == [.timeout])
        _ = await reporter.close(timeout: .seconds(10))
    }

    @Test func aPartialSuccessRetriesOnlyTheSpansNotYetSent() async throws {
        let log = ExportLog()
        let exporter = RecordingExporter(log: log) { call, spans in
            guard call == 1 else { return .delivered(spans.count) }
            var result = ExportResult(failure: ExportFailure(reason: .writeError, retry: .after(.milliseconds(1))))
            result.deliver(2)
            result.drop(.oversize)
            return result
        }
        let reporter = try BatchingReporter(
            exporter: exporter,
            configuration: fastRetryConfiguration {
                $0.maximumAttempts = 2
                $0.batchInterval = .seconds(3600)
            })
        for index in 0..<6 { reporter.report(span("op-\(index)")) }
        #expect((await reporter.close(timeout: .seconds(10))).dropped == 1)
        #expect(log.calls == [(0..<6).map { "op-\($0)" }, ["op-3", "op-4", "op-5"]])
        #expect(reporter.statistics == ReporterStatistics(reported: 6, delivered: 5, dropped: [.oversize: 1]))
        #expect(reporter.retries == 1)
    }

    @Test func whenTheTriesRunOutOnlyTheFailedSpansAreDroppedAndTheUntriedRestIsExported() async throws {
        let log = ExportLog()
        // Sends in requests of two spans and stops at the first that fails: the one with op-0.
        let exporter = RecordingExporter(log: log) { _, spans in
            guard spans.first?.operationName == "op-0" else { return .delivered(spans.count) }
            return ExportResult(failure: ExportFailure(reason: .timeout, retry: .afterBackoff, count: 2))
        }
        let reporter = try BatchingReporter(
            exporter: exporter,
            configuration: fastRetryConfiguration {
                $0.maximumAttempts = 2
                $0.batchInterval = .seconds(3600)
            })
        for index in 0..<5 { reporter.report(span("op-\(index)")) }
        _ = await reporter.close(timeout: .seconds(10))
        let names = (0..<5).map { "op-\($0)" }
        #expect(log.calls == [names, names, ["op-2", "op-3", "op-4"]])
        #expect(reporter.statistics == ReporterStatistics(reported: 5, delivered: 3, dropped: [.timeout: 2]))
        #expect(log.gaveUp.map { $0.count } == [2])
        #expect(log.gaveUp.map { $0.attempts } == [2])
    }

    @Test func aNonRetryableFailureIsDroppedAtOnce() async throws {
        let log = ExportLog()
        let reporter = try BatchingReporter(
            exporter: RecordingExporter(log: log) { _, _ in .failed(reason: .rejected, retry: .never) },
            configuration: fastRetryConfiguration {
                $0.maximumAttempts = 5
                $0.batchInterval = .seconds(3600)
            })
        for index in 0..<5 { reporter.report(span("op-\(index)")) }
        _ = await reporter.close(timeout: .seconds(10))
        #expect(log.calls.count == 1)
        #expect(reporter.retries == 0)
        #expect(reporter.statistics.dropped == [.rejected: 5])
        #expect(log.gaveUp.map { $0.attempts } == [1])
    }

    @Test func spansAnExportLeavesUnaccountedAreCountedAsWriteErrors() async throws {
        let log = ExportLog()
        let reporter = try BatchingReporter(
            exporter: RecordingExporter(log: log) { _, spans in .delivered(spans.count - 2) },
            configuration: fastRetryConfiguration { $0.batchInterval = .seconds(3600) })
        for index in 0..<5 { reporter.report(span("op-\(index)")) }
        _ = await reporter.close(timeout: .seconds(10))
        #expect(reporter.statistics == ReporterStatistics(reported: 5, delivered: 3, dropped: [.writeError: 2]))
    }

    @Test func anExporterClaimingMoreThanItsBatchIsNotBelieved() async throws {
        let log = ExportLog()
        let reporter = try BatchingReporter(
            exporter: RecordingExporter(log: log) { _, spans in
                var result = ExportResult.delivered(spans.count, truncated: spans.count + 10)
                result.drop(.oversize, 7)
                return result
            },
            configuration: fastRetryConfiguration())
        for index in 0..<5 { reporter.report(span("op-\(index)")) }
        _ = await reporter.close(timeout: .seconds(10))
        #expect(reporter.statistics == ReporterStatistics(reported: 5, delivered: 5, truncated: 5))
    }

    @Test func flushAndCloseReturnByTheirDeadlineWhileTheExporterIsStuck() async throws {
        let log = ExportLog()
        let gate = Gate()
        let reporter = try BatchingReporter(exporter: RecordingExporter(log: log, gate: gate), configuration: fastRetryConfiguration())
        reporter.report(span("in-flight"))
        #expect(await eventually { gate.arrived == 1 })
        for index in 0..<9 { reporter.report(span("op-\(index)")) }
        // Both would wait forever for the stuck export if they ignored their deadline.
        let flushed = await reporter.flush(timeout: .milliseconds(20))
        #expect(flushed.pending == 10)
        let closed = await reporter.close(timeout: .milliseconds(20))
        #expect(closed.dropped == 9)
        #expect(closed.pending == 1)
        #expect(reporter.statistics.dropped == [.closed: 9])
        reporter.report(span("late"))
        #expect(reporter.statistics.dropped == [.closed: 10])
        // The export in flight is counted when it returns, and the exporter is shut down.
        gate.open()
        #expect(await eventually { reporter.statistics.delivered == 1 && log.shutdowns == 1 })
        #expect(log.calls == [["in-flight"]])
        #expect(reporter.statistics.delivered + reporter.statistics.totalDropped == 11)
    }

    @Test func anExportInFlightWhenACloseRunsOutOfTimeIsNotRetriedAndCountsAsClosed() async throws {
        let log = ExportLog()
        let gate = Gate()
        let reporter = try BatchingReporter(
            exporter: RecordingExporter(log: log, gate: gate) { _, _ in .failed(reason: .timeout, retry: .afterBackoff) },
            configuration: fastRetryConfiguration { $0.maximumAttempts = 10 })
        for index in 0..<3 { reporter.report(span("op-\(index)")) }
        #expect(await eventually { gate.arrived == 1 })
        let closed = await reporter.close(timeout: .milliseconds(20))
        #expect(closed.pending > 0)
        #expect(closed.pending + closed.dropped == 3)
        gate.open()
        #expect(await eventually { log.shutdowns == 1 })
        #expect(log.calls.count == 1)
        #expect(reporter.statistics.dropped == [.closed: 3])
        #expect(log.gaveUp.map { $0.reason } == [.closed])
    }

    @Test func aFlushExportsAPartialBatchWithoutWaitingForTheInterval() async throws {
        let log = ExportLog()
        let reporter = try BatchingReporter(
            exporter: RecordingExporter(log: log), configuration: fastRetryConfiguration { $0.batchInterval = .seconds(3600) })
        for index in 0..<3 { reporter.report(span("op-\(index)")) }
        let result = await reporter.flush(timeout: .seconds(10))
        #expect(result == FlushResult(delivered: 3))
        #expect(log.calls == [["op-0", "op-1", "op-2"]])
        _ = await reporter.close(timeout: .seconds(10))
    }

    @Test func aConfigurationOutOfRangeIsATypedErrorAndTheExporterIsNotUsed() {
        let log = ExportLog()
        #expect(throws: BatchingReporterError.invalidConfiguration(name: "maximumBatchSpans", value: "0", allowed: "between 1 and 100000")) {
            _ = try BatchingReporter(exporter: RecordingExporter(log: log), configuration: fastRetryConfiguration { $0.maximumBatchSpans = 0 })
        }
        #expect(throws: BatchingReporterError.self) {
            _ = try BatchingReporter(exporter: RecordingExporter(log: log), configuration: fastRetryConfiguration { $0.retryJitter = .nan })
        }
        #expect(log.calls.isEmpty)
    }
}
