import Dapper
import DapperAgentTestSupport  // eventually
import DapperHTTPTestSupport
@testable import DapperOTLP
import DapperOTLPWire
import DapperReporting
import Foundation
import Logging
import NIOHTTP1
import Testing

/// The OTLP/HTTP exporter on the pipeline, against a real HTTP server on 127.0.0.1 scripted as
/// an OTLP receiver: no mocked client.
@Suite(.serialized) struct OTLPHTTPExporterTests {
    static func span(_ index: Int, service: String = "otlp-test") -> FinishedSpan {
        FinishedSpan(
            serviceName: service, operationName: "GET /items/\(index)",
            context: SpanContext(traceID: UInt64(index + 1), spanID: UInt64(index + 100), parentID: index % 2 == 0 ? 0 : 7, flags: .sampled),
            startTimeNanos: 1_700_000_000_000_000_000 + Int64(index) * 1_000, durationNanos: 2_000_000,
            tags: [SpanTag(key: "span.kind", value: "server"), SpanTag(key: "http.status_code", value: .int(200))],
            logs: [SpanLog(timestampNanos: 1_700_000_000_000_500_000, fields: [SpanLogField(key: "event", value: "sent \(index)")])])
    }

    static func expected(_ spans: [FinishedSpan]) -> [ReceivedOTLPSpan] {
        spans.map { span in
            ReceivedOTLPSpan(
                serviceName: span.serviceName, name: span.operationName,
                spanID: (0..<8).map { UInt8(truncatingIfNeeded: span.context.spanID >> (56 - 8 * UInt64($0))) })
        }
    }

    /// A reporter posting to `server`, quick to retry; `change` adjusts either configuration.
    static func reporter(
        _ server: TestHTTPServer, logs: LogCapture? = nil, _ change: (inout OTLPExporterConfiguration, inout BatchingConfiguration) -> Void = { _, _ in }
    ) throws -> BatchingReporter<OTLPExporter> {
        var configuration = OTLPExporterConfiguration()
        configuration.endpoint = server.baseURL + "/v1/traces"
        configuration.serviceName = "fallback"
        var batching = OTLPExporter.batchingConfiguration(for: configuration)
        batching.batchInterval = .milliseconds(20)
        batching.minimumRetryDelay = .milliseconds(10)
        batching.maximumRetryDelay = .milliseconds(50)
        batching.emitsMetrics = false
        change(&configuration, &batching)
        batching.exportTimeout = configuration.timeout
        let logger = Logger(label: "otlp-test") { _ in logs ?? LogCapture() }
        return try BatchingReporter(exporter: OTLPExporter(configuration: configuration, logger: logger), configuration: batching)
    }

    static func received(_ server: TestHTTPServer, gzip: Bool = false) throws -> [ReceivedOTLPSpan] {
        try server.requests.flatMap { request in
            let body = gzip ? try #require(ReceivedOTLPSpans.gunzip(request.body)) : request.body
            return try #require(ReceivedOTLPSpans.decode(body))
        }
    }

    /// An `ExportTraceServiceResponse` with a `partial_success`, written by hand.
    static func partialSuccess(rejected: UInt8, message: String) -> [UInt8] {
        let text = Array(message.utf8)
        let inner: [UInt8] = [0x08, rejected, 0x12, UInt8(text.count)] + text
        return [0x0a, UInt8(inner.count)] + inner
    }

    @Test func deliveredBodiesDecodeToTheReportedSpansWithTheHeadersAndContentType() async throws {
        let server = try TestHTTPServer { _ in .init(status: .ok) }
        defer { server.stop() }
        let reporter = try Self.reporter(server) { configuration, batching in
            configuration.headers = [.init(name: "Authorization", value: "Bearer test-token"), .init(name: "X-Tenant", value: "a")]
            batching.maximumBatchSpans = 100
        }
        let spans = (0..<250).map { Self.span($0, service: $0 % 3 == 0 ? "orders" : "users") }
        for span in spans { reporter.report(span) }
        let result = await reporter.close(timeout: .seconds(5))
        #expect(result.isComplete, "\(result)")
        #expect(reporter.statistics.delivered == 250)
        #expect(server.requests.count >= 3)
        for request in server.requests {
            #expect(request.method == "POST" && request.uri == "/v1/traces")
            #expect(request.header("Content-Type") == "application/x-protobuf")
            #expect(request.header("Authorization") == "Bearer test-token")
            #expect(request.header("X-Tenant") == "a")
            #expect(request.header("Content-Encoding") == nil)
        }
        #expect(Set(try Self.received(server)) == Set(Self.expected(spans)))
        #expect(try Self.received(server).count == 250)
    }

    @Test func oneBatchIsExactlyTheEncodersRequest() async throws {
        let server = try TestHTTPServer { _ in .init(status: .ok) }
        defer { server.stop() }
        let reporter = try Self.reporter(server)
        let spans = (0..<20).map { Self.span($0) }
        for span in spans { reporter.report(span) }
        #expect((await reporter.flush(timeout: .seconds(5))).isComplete)
        _ = await reporter.close(timeout: .seconds(5))
        let encoder = OTLPSpanEncoder(resource: OTLPResource(serviceName: "fallback"))
        #expect(server.requests.map(\.body) == [try encoder.encodeRequest(spans)])
    }

    @Test func gzipBodiesDecompressToTheSameRequest() async throws {
        let server = try TestHTTPServer { _ in .init(status: .ok) }
        defer { server.stop() }
        let reporter = try Self.reporter(server) { configuration, _ in configuration.compression = .gzip }
        let spans = (0..<20).map { Self.span($0) }
        for span in spans { reporter.report(span) }
        #expect((await reporter.flush(timeout: .seconds(5))).isComplete)
        _ = await reporter.close(timeout: .seconds(5))
        let request = try #require(server.requests.first)
        #expect(server.requests.count == 1)
        #expect(request.header("Content-Encoding") == "gzip")
        #expect(request.header("Content-Type") == "application/x-protobuf")
        let encoder = OTLPSpanEncoder(resource: OTLPResource(serviceName: "fallback"))
        let plain = try encoder.encodeRequest(spans)
        #expect(ReceivedOTLPSpans.gunzip(request.body) == plain)
        #expect(request.body.count < plain.count)
    }

    @Test func tooManyRequestsIsRetriedAfterRetryAfterCappedByTheMaximumDelay() async throws {
        // An hour asked, 50 ms allowed: an uncapped wait would outlast the close.
        let server = try TestHTTPServer { index in
            index == 0 ? .init(status: .tooManyRequests, headers: [("Retry-After", "3600")]) : .init(status: .ok)
        }
        defer { server.stop() }
        let reporter = try Self.reporter(server)
        for index in 0..<10 { reporter.report(Self.span(index)) }
        let result = await reporter.close(timeout: .seconds(5))
        #expect(result.isComplete, "\(result)")
        #expect(reporter.statistics.delivered == 10)
        #expect(reporter.retries == 1)
        #expect(server.requests.count == 2)
        #expect(server.requests[0].body == server.requests[1].body)
    }

    @Test func serviceUnavailableThenOKDeliversOnceAndCountsTheRetry() async throws {
        let server = try TestHTTPServer { index in index == 0 ? .init(status: .serviceUnavailable) : .init(status: .ok) }
        defer { server.stop() }
        let reporter = try Self.reporter(server)
        for index in 0..<10 { reporter.report(Self.span(index)) }
        #expect((await reporter.close(timeout: .seconds(5))).isComplete)
        #expect(reporter.statistics.delivered == 10)
        #expect(reporter.statistics.totalDropped == 0)
        #expect(reporter.retries == 1)
        #expect(server.requests.count == 2)
    }

    @Test func retryableAnswersThatNeverEndAreCountedByKind() async throws {
        for (status, reason) in [(HTTPResponseStatus.tooManyRequests, DropReason.throttled), (.badGateway, .serverError), (.gatewayTimeout, .serverError)] {
            let server = try TestHTTPServer { _ in .init(status: status) }
            defer { server.stop() }
            let reporter = try Self.reporter(server) { _, batching in batching.maximumAttempts = 3 }
            for index in 0..<4 { reporter.report(Self.span(index)) }
            _ = await reporter.close(timeout: .seconds(5))
            #expect(reporter.statistics.dropped == [reason: 4], "\(status)")
            #expect(server.requests.count == 3, "\(status)")
        }
    }

    @Test func badRequestIsDroppedAtOnceCountedAndLoggedWithTheReceiversMessage() async throws {
        // google.rpc.Status { code: 3, message: "span 2 has no name" }
        let message = Array("span 2 has no name".utf8)
        let status: [UInt8] = [0x08, 0x03, 0x12, UInt8(message.count)] + message
        let server = try TestHTTPServer { _ in .init(status: .badRequest, headers: [("Content-Type", "application/x-protobuf")], body: status) }
        defer { server.stop() }
        let logs = LogCapture()
        let reporter = try Self.reporter(server, logs: logs) { _, batching in batching.maximumAttempts = 5 }
        for index in 0..<10 { reporter.report(Self.span(index)) }
        _ = await reporter.close(timeout: .seconds(5))
        #expect(reporter.statistics.dropped == [.rejected: 10])
        #expect(reporter.statistics.delivered == 0)
        #expect(reporter.retries == 0)
        #expect(server.requests.count == 1)
        #expect(logs.lines.contains { $0.contains("400 Bad Request: span 2 has no name") && $0.contains("10 spans dropped") }, "\(logs.lines)")
    }

    @Test func otherErrorStatusesAreNotRetried() async throws {
        for status in [HTTPResponseStatus.unauthorized, .notFound, .payloadTooLarge, .internalServerError, .notImplemented, .movedPermanently] {
            let server = try TestHTTPServer { _ in .init(status: status) }
            defer { server.stop() }
            let reporter = try Self.reporter(server) { _, batching in batching.maximumAttempts = 5 }
            for index in 0..<3 { reporter.report(Self.span(index)) }
            _ = await reporter.close(timeout: .seconds(5))
            #expect(reporter.statistics.dropped == [.rejected: 3], "\(status)")
            #expect(server.requests.count == 1, "\(status)")
        }
    }

    @Test func aPartialSuccessCountsTheRejectedSpansLogsTheMessageAndIsNotRetried() async throws {
        let body = Self.partialSuccess(rejected: 3, message: "3 spans too old \u{1b}[31m")
        let server = try TestHTTPServer { _ in .init(status: .ok, headers: [("Content-Type", "application/x-protobuf")], body: body) }
        defer { server.stop() }
        let logs = LogCapture()
        let reporter = try Self.reporter(server, logs: logs) { _, batching in batching.maximumAttempts = 5 }
        for index in 0..<10 { reporter.report(Self.span(index)) }
        _ = await reporter.close(timeout: .seconds(5))
        #expect(reporter.statistics.delivered == 7)
        #expect(reporter.statistics.dropped == [.rejected: 3])
        #expect(reporter.retries == 0)
        #expect(server.requests.count == 1)
        let line = try #require(logs.lines.first { $0.contains("rejected 3 of 10 spans") }, "\(logs.lines)")
        #expect(line.contains("3 spans too old"))
        #expect(!line.contains("\u{1b}"), "the receiver's text is escaped")
    }

    @Test func aWarningWithNoRejectedSpansDeliversEverything() async throws {
        let body = Self.partialSuccess(rejected: 0, message: "deprecated attribute")
        let server = try TestHTTPServer { _ in .init(status: .ok, body: body) }
        defer { server.stop() }
        let logs = LogCapture()
        let reporter = try Self.reporter(server, logs: logs)
        for index in 0..<5 { reporter.report(Self.span(index)) }
        _ = await reporter.close(timeout: .seconds(5))
        #expect(reporter.statistics.delivered == 5)
        #expect(logs.lines.contains { $0.contains("warning: deprecated attribute") }, "\(logs.lines)")
    }

    @Test func anUndecodableSuccessBodyStillDeliversAndIsLogged() async throws {
        let server = try TestHTTPServer { _ in .init(status: .ok, body: [0xff, 0xff, 0xff]) }
        defer { server.stop() }
        let logs = LogCapture()
        let reporter = try Self.reporter(server, logs: logs)
        for index in 0..<5 { reporter.report(Self.span(index)) }
        _ = await reporter.close(timeout: .seconds(5))
        #expect(reporter.statistics.delivered == 5)
        #expect(reporter.statistics.totalDropped == 0)
        #expect(logs.lines.contains { $0.contains("not a valid ExportTraceServiceResponse") }, "\(logs.lines)")
    }

    @Test func aServerThatHangsPastTheTimeoutIsCountedAsATimeout() async throws {
        let server = try TestHTTPServer { _ in .init(status: .ok, delay: .seconds(3)) }
        defer { server.stop() }
        let reporter = try Self.reporter(server) { configuration, batching in
            configuration.timeout = .milliseconds(200)
            batching.maximumAttempts = 2
        }
        for index in 0..<5 { reporter.report(Self.span(index)) }
        _ = await reporter.close(timeout: .seconds(5))
        #expect(reporter.statistics.dropped == [.timeout: 5], "\(reporter.statistics)")
        #expect(reporter.retries == 1)
        #expect(server.requests.count == 2)
    }

    @Test func aTimeoutIsRetriedAndTheRetryDelivers() async throws {
        let server = try TestHTTPServer { index in .init(status: .ok, delay: index == 0 ? .seconds(3) : .zero) }
        defer { server.stop() }
        let reporter = try Self.reporter(server) { configuration, _ in configuration.timeout = .milliseconds(200) }
        for index in 0..<5 { reporter.report(Self.span(index)) }
        #expect((await reporter.close(timeout: .seconds(5))).isComplete)
        #expect(reporter.statistics.delivered == 5)
        #expect(reporter.retries == 1)
    }

    @Test func aRefusedConnectionIsRetriedThenCountedAsNotConnected() async throws {
        let server = try TestHTTPServer()
        let base = server.baseURL
        server.stop()  // nothing listens on the port any more
        var configuration = OTLPExporterConfiguration()
        configuration.endpoint = base + "/v1/traces"
        configuration.timeout = .milliseconds(500)
        var batching = OTLPExporter.batchingConfiguration(for: configuration)
        batching.maximumAttempts = 2
        batching.minimumRetryDelay = .milliseconds(5)
        batching.emitsMetrics = false
        let reporter = try BatchingReporter(exporter: OTLPExporter(configuration: configuration), configuration: batching)
        for index in 0..<5 { reporter.report(Self.span(index)) }
        _ = await reporter.close(timeout: .seconds(5))
        #expect(reporter.statistics.dropped == [.notConnected: 5], "\(reporter.statistics)")
        #expect(reporter.retries == 1)
    }

    @Test func aSlowServerBoundsTheQueueAndEverySpanIsDeliveredOrCounted() async throws {
        let server = try TestHTTPServer { _ in .init(status: .ok, delay: .milliseconds(50)) }
        defer { server.stop() }
        let reporter = try Self.reporter(server) { _, batching in
            batching.queueCapacity = 300
            batching.maximumBatchSpans = 50
        }
        for index in 0..<5_000 { reporter.report(Self.span(index)) }
        #expect(reporter.statistics.dropped[.queueFull, default: 0] > 4_000)
        #expect(reporter.queuedCount <= 300)
        _ = await reporter.close(timeout: .seconds(10))
        let statistics = reporter.statistics
        #expect(statistics.reported == 5_000)
        #expect(statistics.delivered + statistics.totalDropped == 5_000, "\(statistics)")
        #expect(statistics.delivered == (try Self.received(server)).count)
        #expect(Set(statistics.dropped.keys).isSubset(of: [.queueFull, .closed]), "\(statistics)")
    }

    @Test func closeWithARequestInFlightReturnsByItsDeadlineAndAccountsForEverySpan() async throws {
        let server = try TestHTTPServer { _ in .init(status: .ok, delay: .seconds(1)) }
        defer { server.stop() }
        let reporter = try Self.reporter(server) { configuration, batching in
            configuration.timeout = .seconds(5)
            batching.maximumBatchSpans = 10
        }
        for index in 0..<100 { reporter.report(Self.span(index)) }
        #expect(await eventually { !server.requests.isEmpty })
        let started = ContinuousClock.now
        _ = await reporter.close(timeout: .milliseconds(300))
        #expect(ContinuousClock.now - started < .seconds(3))
        #expect(reporter.statistics.dropped[.closed, default: 0] >= 80)
        // The request in flight ends (delivered) on the pipeline's thread after the close.
        #expect(await eventually(timeout: .seconds(5)) {
            let statistics = reporter.statistics
            return statistics.delivered + statistics.totalDropped == 100
        })
    }

    @Test func batchesAreSplitUnderTheRequestLimitAndAnOversizeSpanIsDropped() async throws {
        let server = try TestHTTPServer { _ in .init(status: .ok) }
        defer { server.stop() }
        let reporter = try Self.reporter(server) { configuration, _ in configuration.maximumRequestBytes = 2_048 }
        var big = Self.span(999)
        big.tags.append(SpanTag(key: "payload", value: .string(String(repeating: "x", count: 4_000))))
        let spans = (0..<40).map { Self.span($0) }
        for span in spans[..<20] { reporter.report(span) }
        reporter.report(big)
        for span in spans[20...] { reporter.report(span) }
        _ = await reporter.close(timeout: .seconds(5))
        #expect(reporter.statistics.delivered == 40)
        #expect(reporter.statistics.dropped == [.oversize: 1])
        #expect(server.requests.count > 2)
        #expect(server.requests.allSatisfy { $0.body.count <= 2_048 })
        #expect(Set(try Self.received(server)) == Set(Self.expected(spans)))
    }

    @Test func aSpanOTLPCannotCarryIsDroppedAndTheOthersAreSent() async throws {
        let server = try TestHTTPServer { _ in .init(status: .ok) }
        defer { server.stop() }
        let reporter = try Self.reporter(server)
        var early = Self.span(5)
        early.startTimeNanos = -1_000
        let spans = (0..<10).map { Self.span($0) }
        for span in spans[..<5] { reporter.report(span) }
        reporter.report(early)
        for span in spans[5...] { reporter.report(span) }
        _ = await reporter.close(timeout: .seconds(5))
        #expect(reporter.statistics.delivered == 10)
        #expect(reporter.statistics.dropped == [.encodingError: 1])
        #expect(Set(try Self.received(server)) == Set(Self.expected(spans)))
    }

    /// Bodies as the receiver got them (gzip undone), for Scripts/crosscheck-otlp.py to decode
    /// with `opentelemetry-proto` (when `DAPPER_CROSSCHECK_DIR` is set, as Scripts/test does).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["DAPPER_CROSSCHECK_DIR"] != nil))
    func capturedBodiesAreWrittenForTheIndependentCheck() async throws {
        let directory = try #require(ProcessInfo.processInfo.environment["DAPPER_CROSSCHECK_DIR"])
        let spans = (0..<300).map { Self.span($0, service: $0 % 4 == 0 ? "orders" : "users") }
        var expected: [String] = []
        for span in spans { expected.append("\(span.serviceName) \(span.operationName) \(String(span.context.spanID, radix: 16))") }
        try Data((expected.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: "\(directory)/otlp-http-expected.txt"))
        for compression in OTLPCompression.allCases {
            let server = try TestHTTPServer { _ in .init(status: .ok) }
            defer { server.stop() }
            let reporter = try Self.reporter(server) { configuration, batching in
                configuration.compression = compression
                batching.maximumBatchSpans = 128
            }
            for span in spans { reporter.report(span) }
            #expect((await reporter.close(timeout: .seconds(5))).isComplete)
            #expect(server.requests.count >= 3)
            for (index, request) in server.requests.enumerated() {
                let body = compression == .gzip ? try #require(ReceivedOTLPSpans.gunzip(request.body)) : request.body
                try Data(body).write(to: URL(fileURLWithPath: "\(directory)/otlp-http-\(compression)-\(index).pb"))
            }
        }
    }
}
