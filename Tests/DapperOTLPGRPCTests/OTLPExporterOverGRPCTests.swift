import Dapper
import DapperHTTPTestSupport
import DapperOTLP
import DapperReporting
import Foundation
import GRPCCore
import Testing

/// `OTLPExporter` configured for `grpc`, on the reporting pipeline, against a real grpc-swift
/// server: what the receiver answers becomes delivered, dropped or retried spans as the OTLP
/// specification says.
@Suite struct OTLPExporterOverGRPCTests {
    static func spans(_ count: Int) -> [FinishedSpan] {
        (0..<count).map { index in
            FinishedSpan(
                serviceName: "kratos-v1-service", operationName: "GET /grpc/\(index)",
                context: SpanContext(traceID: 0x1234, spanID: 0x1000 + UInt64(index), parentID: 0x1234, flags: .sampled),
                startTimeNanos: 1_700_000_000_000_000_000, durationNanos: 1_000)
        }
    }

    /// Reports `spans` through an exporter sending to `port` and waits for the pipeline to
    /// account for them; returns its statistics and retries.
    static func report(_ spans: [FinishedSpan], port: Int) async throws -> (statistics: ReporterStatistics, retries: Int) {
        var configuration = OTLPExporterConfiguration()
        configuration.protocol = .grpc
        configuration.endpoint = "http://127.0.0.1:\(port)"
        var batching = OTLPExporter.batchingConfiguration(for: configuration)
        batching.batchInterval = .milliseconds(20)
        batching.minimumRetryDelay = .milliseconds(10)
        batching.maximumRetryDelay = .milliseconds(50)
        let reporter = try BatchingReporter(exporter: OTLPExporter(configuration: configuration), configuration: batching)
        for span in spans { reporter.report(span) }
        let result = await reporter.close(timeout: .seconds(20))
        #expect(result.pending == 0)
        return (reporter.statistics, reporter.retries)
    }

    @Test func spansAreDeliveredAsOneExportRequest() async throws {
        let service = ScriptedTraceService(answers: [.ok([])])
        let spans = Self.spans(5)
        let (statistics, _) = try await withScriptedServer(service) { try await Self.report(spans, port: $0) }
        #expect(statistics.delivered == 5 && statistics.totalDropped == 0)
        let received = service.calls.flatMap { ReceivedOTLPSpans.decode($0.message) ?? [] }
        #expect(Set(received.map(\.name)) == Set(spans.map(\.operationName)))
        #expect(received.allSatisfy { $0.serviceName == "kratos-v1-service" })
    }

    @Test func aPartialSuccessCountsTheRejectedSpansAndIsNotSentAgain() async throws {
        // ExportTraceServiceResponse { partial_success { rejected_spans: 2, error_message: "too old" } }
        let response: [UInt8] = [0x0A, 0x0B, 0x08, 0x02, 0x12, 0x07] + Array("too old".utf8)
        let service = ScriptedTraceService(answers: [.ok(response)])
        let (statistics, retries) = try await withScriptedServer(service) { try await Self.report(Self.spans(5), port: $0) }
        #expect(statistics.delivered == 3)
        #expect(statistics.dropped == [.rejected: 2])
        #expect(retries == 0 && service.calls.count == 1)
    }

    @Test func unavailableIsTriedAgainAndThenDelivered() async throws {
        let service = ScriptedTraceService(answers: [.fail(.unavailable, "restarting"), .ok([])])
        let (statistics, retries) = try await withScriptedServer(service) { try await Self.report(Self.spans(4), port: $0) }
        #expect(statistics.delivered == 4 && statistics.totalDropped == 0)
        #expect(retries == 1 && service.calls.count == 2)
    }

    @Test func invalidArgumentDropsTheBatchAtOnce() async throws {
        let service = ScriptedTraceService(answers: [.fail(.invalidArgument, "bad span")])
        let (statistics, retries) = try await withScriptedServer(service) { try await Self.report(Self.spans(4), port: $0) }
        #expect(statistics.delivered == 0)
        #expect(statistics.dropped == [.rejected: 4])
        #expect(retries == 0 && service.calls.count == 1)
    }

    @Test func headersThatGRPCCannotCarryAreATypedErrorWithoutTheirValue() {
        var configuration = OTLPExporterConfiguration()
        configuration.protocol = .grpc
        configuration.headers = [.init(name: "api-key", value: "sécret")]
        #expect {
            try OTLPExporter(configuration: configuration)
        } throws: { error in
            guard case .transportUnavailable(.grpc, let reason) = error as? OTLPExporterError else { return false }
            return reason.contains("api-key") && !reason.contains("sécret")
        }
    }
}
