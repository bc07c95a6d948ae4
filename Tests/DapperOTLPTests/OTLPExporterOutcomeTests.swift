import Dapper
import DapperExporterSupport
import DapperHTTPTestSupport
@testable import DapperOTLP
import DapperReporting
import Logging
import Testing

/// What ``OTLPExporter`` makes of each transport outcome, through the seam a protocol plugs
/// into.
@Suite struct OTLPExporterOutcomeTests {
    /// Answers every request with the next outcome of its script and keeps the bodies' sizes.
    final class ScriptedTransport: OTLPTransport {
        var outcomes: [OTLPSendOutcome]
        var sent = 0
        var isShutDown = false

        init(_ outcomes: [OTLPSendOutcome]) { self.outcomes = outcomes }

        func send(_ body: UnsafeRawBufferPointer, deadline: ContinuousClock.Instant) -> OTLPSendOutcome {
            sent += 1
            return outcomes.count > 1 ? outcomes.removeFirst() : outcomes[0]
        }

        func shutdown() { isShutDown = true }
    }

    private func export(_ count: Int, through transport: ScriptedTransport) -> ExportResult {
        let exporter = OTLPExporter(
            configuration: OTLPExporterConfiguration(), transport: transport,
            logger: RateLimitedLogger(Logger(label: "test") { _ in LogCapture() }))
        let spans = (0..<count).map { OTLPHTTPExporterTests.span($0) }
        return spans.withUnsafeBufferPointer { exporter.export($0, deadline: .now.advanced(by: .seconds(5))) }
    }

    @Test func aRetryableOutcomeWithAWaitAsksThePipelineForThatWait() {
        let result = export(4, through: ScriptedTransport([.retryable(.throttled, after: .seconds(7), detail: "429")]))
        #expect(result.failure == ExportFailure(reason: .throttled, retry: .after(.seconds(7)), count: 4))
        #expect(result.delivered == 0)
        #expect(result.failedRequests == 1)
    }

    @Test func aRetryableOutcomeWithoutAWaitAsksForTheBackoff() {
        let result = export(4, through: ScriptedTransport([.retryable(.timeout, after: nil, detail: "timeout")]))
        #expect(result.failure == ExportFailure(reason: .timeout, retry: .afterBackoff, count: 4))
    }

    @Test func aPartialSuccessNeverClaimsMoreRejectedSpansThanSent() {
        let result = export(4, through: ScriptedTransport([.accepted(rejectedSpans: 40, message: "all bad")]))
        #expect(result.delivered == 0)
        #expect(result.dropped[.rejected] == 4)
        #expect(result.failure == nil)
        #expect(result.succeededRequests == 1)
    }

    @Test func aRejectionDropsTheRequestsSpansForItsReason() {
        let result = export(4, through: ScriptedTransport([.rejected(.rejected, detail: "400")]))
        #expect(result.dropped[.rejected] == 4)
        #expect(result.failure == nil)
        #expect(result.failedRequests == 1)
    }
}
