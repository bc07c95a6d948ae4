import CoreMetrics
import Dapper
import DapperReporting
import Foundation
import MetricsTestKit
import Testing

// Each test binds its own TestMetrics with `withMetricsFactory` around the reporter's init,
// where the reporter makes its metrics: no global bootstrap, so suites running at the same
// time in this process never see each other's numbers.

@Suite struct ReporterMetricsTests {
    private func span(_ name: String) -> FinishedSpan { testSpan(name, service: "metrics-test") }

    /// The counter's total, after checking that it only ever went up.
    private func total(_ metrics: TestMetrics, _ label: String, _ dimensions: [(String, String)]) throws -> Int64 {
        let counter = try metrics.expectCounter(label, dimensions)
        #expect(counter.values.allSatisfy { $0 > 0 }, "\(label) \(dimensions): \(counter.values)")
        return counter.totalValue
    }

    @Test func theCountersEqualTheSpansDeliveredDroppedAndRetriedUnderTheDocumentedLabels() async throws {
        let metrics = TestMetrics()
        let instance = UUID().uuidString
        let log = ExportLog()
        let gate = Gate()
        // One span per export: call 4 is rejected, calls 5 and 6 fail and are retried, call 7
        // delivers the retried span.
        let reporter = try withMetricsFactory(metrics) {
            try BatchingReporter(
                exporter: RecordingExporter(log: log, gate: gate) { call, spans in
                    switch call {
                    case 4: .failed(reason: .rejected, retry: .never)
                    case 5, 6: .failed(reason: .writeError, retry: .afterBackoff)
                    default: .delivered(spans.count, truncated: call == 2 ? 1 : 0)
                    }
                },
                configuration: fastRetryConfiguration {
                    $0.queueCapacity = 4
                    $0.maximumBatchSpans = 1
                    $0.maximumAttempts = 3
                    $0.metricsLabels = ["instance": instance]
                })
        }
        reporter.report(span("in-flight"))
        #expect(await eventually { gate.arrived == 1 })
        for index in 0..<14 { reporter.report(span("queued-\(index)")) }
        gate.open()
        #expect((await reporter.flush(timeout: .seconds(10))).pending == 0)

        let base = [("exporter", "test"), ("instance", instance)]
        let spans = "dapper_reporter_spans_total"
        func check() throws {
            #expect(try total(metrics, spans, base + [("result", "delivered"), ("reason", "none")]) == 4)
            #expect(try total(metrics, spans, base + [("result", "dropped"), ("reason", "queue_full")]) == 10)
            #expect(try total(metrics, spans, base + [("result", "dropped"), ("reason", "rejected")]) == 1)
            #expect(try metrics.expectCounter(spans, base + [("result", "dropped"), ("reason", "write_error")]).totalValue == 0)
            #expect(try total(metrics, "dapper_reporter_spans_truncated_total", base) == 1)
            #expect(try total(metrics, "dapper_reporter_retries_total", base) == 2)
        }
        try check()
        #expect(reporter.statistics.delivered == 4 && reporter.retries == 2)
        // swift-prometheus stops the process when two series of a name differ in label names.
        for label in Set(metrics.counters.map(\.label)) {
            let labelNames = Set(metrics.counters(label: label).map { $0.dimensions.map { $0.0 } })
            #expect(labelNames.count == 1, "\(label): \(labelNames)")
        }
        // A close publishes again (twice here: the thread's last publication and the
        // close's own): what was published already is not counted twice.
        #expect((await reporter.close(timeout: .seconds(10))).isComplete)
        try check()
    }

    @Test func theQueueGaugesShowAQueueThatFilledAndDrained() async throws {
        let metrics = TestMetrics()
        let log = ExportLog()
        let gate = Gate()
        let reporter = try withMetricsFactory(metrics) {
            try BatchingReporter(
                exporter: RecordingExporter(log: log, gate: gate),
                configuration: fastRetryConfiguration {
                    $0.queueCapacity = 8
                    $0.queueByteLimit = 1_000
                    $0.maximumBatchSpans = 1
                })
        }
        reporter.report(span("in-flight"))
        #expect(await eventually { gate.arrived == 1 })
        // Eight spans of three bytes each (the exporter estimates a byte per character).
        for index in 0..<8 { reporter.report(span("q-\(index)")) }
        // A flush publishes when it returns, here out of time with the export still blocked.
        #expect((await reporter.flush(timeout: .milliseconds(1))).pending == 9)
        let queueSpans = try metrics.expectGauge("dapper_reporter_queue_spans", [("exporter", "test")])
        let queueBytes = try metrics.expectGauge("dapper_reporter_queue_bytes", [("exporter", "test")])
        #expect(queueSpans.lastValue == 8)
        #expect(queueBytes.lastValue == 24)
        gate.open()
        #expect((await reporter.flush(timeout: .seconds(10))).isComplete)
        #expect(queueSpans.lastValue == 0)
        #expect(queueBytes.lastValue == 0)
        _ = await reporter.close(timeout: .seconds(10))
    }

    @Test func anExportersOwnDropReasonAndRequestsArePublishedUnderTheirNames() async throws {
        let metrics = TestMetrics()
        let reporter = try withMetricsFactory(metrics) {
            // Each export: one request delivers all spans but one, a second fails, and the
            // last span is dropped for a reason of the exporter's own.
            try BatchingReporter(
                exporter: RecordingExporter(log: ExportLog()) { _, spans in
                    var result = ExportResult()
                    result.countRequest(succeeded: true, bytes: 100)
                    result.deliver(spans.count - 1)
                    result.countRequest(succeeded: false)
                    result.drop(DropReason("custom_reason"))
                    return result
                },
                configuration: fastRetryConfiguration { $0.maximumBatchSpans = 2 })
        }
        for index in 0..<4 { reporter.report(span("op-\(index)")) }
        #expect((await reporter.close(timeout: .seconds(10))).pending == 0)
        let exports = Int64(reporter.statistics.dropped[DropReason("custom_reason")] ?? 0)
        #expect(exports >= 2)
        let base = [("exporter", "test")]
        #expect(try total(metrics, "dapper_reporter_spans_total", base + [("result", "dropped"), ("reason", "custom_reason")]) == exports)
        #expect(try total(metrics, "dapper_reporter_spans_total", base + [("result", "delivered"), ("reason", "none")]) == 4 - exports)
        #expect(try total(metrics, "dapper_reporter_requests_total", base + [("outcome", "success")]) == exports)
        #expect(try total(metrics, "dapper_reporter_requests_total", base + [("outcome", "failure")]) == exports)
        #expect(try total(metrics, "dapper_reporter_request_bytes_total", base) == 100 * exports)
    }

    @Test func spansACloseOutOfTimeDropsArePublishedByTheCloseWhileAnExportIsStillBlocked() async throws {
        let metrics = TestMetrics()
        let gate = Gate()
        let reporter = try withMetricsFactory(metrics) {
            try BatchingReporter(
                exporter: RecordingExporter(log: ExportLog(), gate: gate),
                configuration: fastRetryConfiguration { $0.maximumBatchSpans = 1 })
        }
        defer { gate.open() }
        reporter.report(span("in-flight"))
        #expect(await eventually { gate.arrived == 1 })
        for index in 0..<5 { reporter.report(span("queued-\(index)")) }
        let result = await reporter.close(timeout: .milliseconds(50))
        #expect(result.pending == 1)
        // The export thread is still blocked: only the close can have published these.
        let closed = [("exporter", "test"), ("result", "dropped"), ("reason", "closed")]
        #expect(try total(metrics, "dapper_reporter_spans_total", closed) == 5)
        #expect(try metrics.expectGauge("dapper_reporter_queue_spans", [("exporter", "test")]).lastValue == 0)
    }

    @Test func aReporterLeftAlonePublishesWhatItDeliveredWithoutAFlushOrAClose() async throws {
        let metrics = TestMetrics()
        let reporter = try withMetricsFactory(metrics) {
            try BatchingReporter(exporter: RecordingExporter(log: ExportLog()), configuration: fastRetryConfiguration())
        }
        for index in 0..<3 { reporter.report(span("op-\(index)")) }
        let delivered = try metrics.expectCounter(
            "dapper_reporter_spans_total", [("exporter", "test"), ("result", "delivered"), ("reason", "none")])
        // The export thread publishes once a second, busy or idle.
        #expect(await eventually { delivered.totalValue == 3 })
        _ = await reporter.close(timeout: .seconds(10))
        #expect(delivered.totalValue == 3)
    }

    @Test func aReporterWithMetricsTurnedOffMakesNone() async throws {
        let metrics = TestMetrics()
        let reporter = try withMetricsFactory(metrics) {
            try BatchingReporter(
                exporter: RecordingExporter(log: ExportLog()), configuration: fastRetryConfiguration { $0.emitsMetrics = false })
        }
        reporter.report(span("op"))
        #expect((await reporter.close(timeout: .seconds(10))).isComplete)
        #expect(metrics.counters.isEmpty)
        #expect(reporter.statistics.delivered == 1)
    }

    @Test(arguments: ["exporter", "reason", "result", "outcome", "bad-name", "1st", "__reserved", ""])
    func aMetricsLabelThatIsReservedOrNotAPrometheusNameIsRefused(_ name: String) {
        var configuration = BatchingConfiguration()
        configuration.metricsLabels = [name: "x"]
        #expect(throws: BatchingReporterError.self) { try configuration.validate() }
        configuration.metricsLabels = ["destination_2": "eu"]
        #expect(throws: Never.self) { try configuration.validate() }
    }
}
