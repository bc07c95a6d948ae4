import Dapper
import DapperExporterSupport
import DapperHTTPTestSupport
@testable import DapperOTLP
import Foundation
import Logging
import NIOHTTP1
import Testing

/// One request of the OTLP/HTTP transport, and the specification's reading of the answer.
@Suite(.serialized) struct OTLPHTTPTransportTests {
    private func outcome(of answer: TestHTTPServer.Answer) throws -> OTLPSendOutcome {
        let server = try TestHTTPServer { _ in answer }
        defer { server.stop() }
        var configuration = OTLPExporterConfiguration()
        configuration.endpoint = server.baseURL + "/v1/traces"
        let transport = try OTLPHTTPTransport(
            configuration: configuration, httpClient: nil, logger: RateLimitedLogger(Logger(label: "test") { _ in LogCapture() }))
        defer { transport.shutdown() }
        return [UInt8]([1, 2, 3]).withUnsafeBytes { transport.send($0, deadline: .now.advanced(by: .seconds(5))) }
    }

    @Test func retryAfterInSecondsIsTheAdvisedWait() throws {
        let outcome = try outcome(of: .init(status: .tooManyRequests, headers: [("Retry-After", "7")]))
        guard case .retryable(.throttled, let after, _) = outcome else { Issue.record("\(outcome)"); return }
        #expect(after == .seconds(7))
    }

    @Test func retryAfterAsADateIsTheWaitUntilIt() throws {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let date = formatter.string(from: Date().addingTimeInterval(120))
        let outcome = try outcome(of: .init(status: .serviceUnavailable, headers: [("Retry-After", date)]))
        guard case .retryable(.serverError, let after?, _) = outcome else { Issue.record("\(outcome)"); return }
        #expect(after > .seconds(100) && after <= .seconds(121), "\(after)")
    }

    @Test func aRetryableAnswerWithoutRetryAfterLeavesTheWaitToTheBackoff() throws {
        let outcome = try outcome(of: .init(status: .badGateway))
        guard case .retryable(.serverError, nil, let detail) = outcome else { Issue.record("\(outcome)"); return }
        #expect(detail.contains("502 Bad Gateway"))
    }

    @Test func anEmptySuccessBodyIsAFullSuccess() throws {
        let outcome = try outcome(of: .init(status: .ok))
        guard case .accepted(0, "") = outcome else { Issue.record("\(outcome)"); return }
    }

    @Test func anAnswerOverTheResponseLimitIsAFailureNotToRetry() throws {
        let outcome = try outcome(of: .init(status: .ok, body: [UInt8](repeating: 0, count: OTLPHTTPTransport.maximumResponseBytes + 1)))
        guard case .rejected(.rejected, _) = outcome else { Issue.record("\(outcome)"); return }
    }
}
