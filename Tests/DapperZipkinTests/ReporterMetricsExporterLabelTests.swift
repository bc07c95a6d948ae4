import CoreMetrics
import Dapper
import DapperAgent
import DapperCollector
import DapperHTTPTestSupport
import DapperZipkin
import Foundation
import MetricsTestKit
import Synchronization
import Testing

// The reporters built on DapperReporting's pipeline publish its metrics under their
// exporter's name. Each test binds its own TestMetrics around the reporter's init
// (`withMetricsFactory`), so that suites running in the same process stay apart.

@Suite struct ReporterMetricsExporterLabelTests {
    private func span(_ index: Int) -> FinishedSpan {
        FinishedSpan(
            serviceName: "metrics-test", operationName: "GET /items/\(index)",
            context: SpanContext(traceID: UInt64(index + 1), spanID: UInt64(index + 100), flags: .sampled),
            startTimeNanos: 1_700_000_000_000_000_000, durationNanos: 2_000_000)
    }

    @Test func theZipkinReporterPublishesSpansRequestsBytesAndRetriesUnderExporterZipkinAndItsOwnLabels() async throws {
        let server = try TestHTTPServer { $0 == 0 ? .init(status: .internalServerError) : .init(status: .accepted) }
        defer { server.stop() }
        var configuration = ZipkinConfiguration()
        configuration.endpoint = server.endpoint
        configuration.flushInterval = .milliseconds(50)
        configuration.minimumRetryDelay = .milliseconds(10)
        configuration.maximumRetryDelay = .milliseconds(40)
        configuration.metricsLabels = ["destination": "primary"]
        let metrics = TestMetrics()
        let reporter = try withMetricsFactory(metrics) { try ZipkinReporter(configuration: configuration) }
        for index in 0..<10 { reporter.report(span(index)) }
        #expect((await reporter.close(timeout: .seconds(5))).isComplete)

        let zipkin = [("exporter", "zipkin"), ("destination", "primary")]
        let requests = server.requests
        #expect(requests.count >= 2)
        func total(_ label: String, _ dimensions: [(String, String)]) throws -> Int64 {
            try metrics.expectCounter(label, zipkin + dimensions).totalValue
        }
        #expect(try total("dapper_reporter_spans_total", [("result", "delivered"), ("reason", "none")]) == 10)
        #expect(try total("dapper_reporter_retries_total", []) == 1)
        #expect(try total("dapper_reporter_requests_total", [("outcome", "failure")]) == 1)
        #expect(try total("dapper_reporter_requests_total", [("outcome", "success")]) == Int64(requests.count - 1))
        let acceptedBytes = requests.dropFirst().reduce(0) { $0 + $1.body.count }
        #expect(try total("dapper_reporter_request_bytes_total", []) == Int64(acceptedBytes))
        #expect(reporter.transport.bytes == acceptedBytes)
        #expect(metrics.counters.allSatisfy { counter in counter.dimensions.prefix(2).elementsEqual(zipkin) { $0 == $1 } })
    }

    @Test func theAgentReporterPublishesItsSpansUnderExporterAgent() async throws {
        let listener = try AgentListener(dsn: AgentDSN(network: .udp, address: "127.0.0.1:0"))
        defer { listener.stop() }
        let received = Atomic<Int>(0)
        try listener.start { event in
            if case .span = event { received.add(1, ordering: .relaxed) }
        }
        let metrics = TestMetrics()
        let reporter = try withMetricsFactory(metrics) {
            try AgentReporter(dsn: AgentDSN(network: .udp, address: listener.dsn.address))
        }
        for index in 0..<20 { reporter.report(span(index)) }
        #expect((await reporter.close(timeout: .seconds(5))).isComplete)
        let delivered = try metrics.expectCounter(
            "dapper_reporter_spans_total", [("exporter", "agent"), ("result", "delivered"), ("reason", "none")])
        #expect(delivered.totalValue == Int64(reporter.statistics.delivered))
        #expect(delivered.totalValue == 20)
        #expect(try metrics.expectGauge("dapper_reporter_queue_spans", [("exporter", "agent")]).lastValue == 0)
    }

    @Test func anAgentReporterWhoseMetricsLabelIsReservedIsRefusedWithATypedError() {
        var configuration = AgentReporter.Configuration()
        configuration.metricsLabels = ["exporter": "other"]
        #expect(throws: AgentReporterError.self) {
            try AgentReporter(dsn: AgentDSN(network: .udp, address: "127.0.0.1:9"), configuration: configuration)
        }
    }
}
