import CDapperZipkinProto
import CProtobufC
import Dapper
import DapperCollector
import DapperAgentTestSupport  // eventually
import DapperHTTPTestSupport
import DapperZipkin
import DapperZipkinWire
import Foundation
import Logging
import Testing

/// The Zipkin reporter against a real HTTP server on 127.0.0.1: no mocked client.
@Suite(.serialized) struct ZipkinReporterTests {
    private func span(_ index: Int, service: String = "zipkin-test") -> FinishedSpan {
        FinishedSpan(
            serviceName: service, operationName: "GET /items/\(index)",
            context: SpanContext(traceID: UInt64(index + 1), spanID: UInt64(index + 100), parentID: index % 2 == 0 ? 0 : 7, flags: .sampled),
            startTimeNanos: 1_700_000_000_000_000_000 + Int64(index) * 1_000, durationNanos: 2_000_000,
            tags: [SpanTag(key: "span.kind", value: "server"), SpanTag(key: "http.status_code", value: .int(200))],
            logs: [SpanLog(timestampNanos: 1_700_000_000_000_500_000, fields: [SpanLogField(key: "event", value: "sent \(index)")])])
    }

    private func configuration(_ server: TestHTTPServer, _ change: (inout ZipkinConfiguration) -> Void = { _ in }) -> ZipkinConfiguration {
        var configuration = ZipkinConfiguration()
        configuration.endpoint = server.endpoint
        configuration.flushInterval = .milliseconds(50)
        configuration.minimumRetryDelay = .milliseconds(10)
        configuration.maximumRetryDelay = .milliseconds(40)
        change(&configuration)
        return configuration
    }

    private func bodies(_ server: TestHTTPServer) throws -> [NSDictionary] {
        try server.requests.flatMap { request in
            try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [NSDictionary])
        }
    }

    private func json(_ spans: [FinishedSpan]) throws -> [NSDictionary] {
        var buffer: [UInt8] = []
        ZipkinJSONEncoder().appendList(spans, to: &buffer)
        return try #require(try JSONSerialization.jsonObject(with: Data(buffer)) as? [NSDictionary])
    }

    @Test func spansArriveAsZipkinJSONInBatchesWithTheConfiguredHeaders() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let reporter = try ZipkinReporter(configuration: configuration(server) {
            $0.headers = [("Authorization", "Bearer test-token")]
        })
        let spans = (0..<250).map { span($0) }
        for span in spans { reporter.report(span) }
        let result = await reporter.close(timeout: .seconds(5))
        #expect(result.isComplete, "\(result)")
        #expect(reporter.statistics.delivered == 250)
        #expect(server.requests.allSatisfy { $0.method == "POST" && $0.uri == "/api/v2/spans" })
        #expect(server.requests.allSatisfy { $0.header("Content-Type") == "application/json" })
        #expect(server.requests.allSatisfy { $0.header("Authorization") == "Bearer test-token" })
        #expect(server.requests.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.body)) as? [Any])?.count ?? 0 <= 100 })
        #expect(Set(try bodies(server)) == Set(try json(spans)))
        #expect(reporter.transport.messages == server.requests.count)
        #expect(reporter.transport.bytes == server.requests.reduce(0) { $0 + $1.body.count })
    }

    @Test func everyVectorSpanIsPostedAsItsJSONObject() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let reporter = try ZipkinReporter(configuration: configuration(server))
        let spans = WireVectorsForZipkin.spans
        #expect(!spans.isEmpty)
        for span in spans { reporter.report(span) }
        #expect((await reporter.flush(timeout: .seconds(5))).isComplete)
        #expect(Set(try bodies(server)) == Set(try json(spans)))
        _ = await reporter.close()
    }

    @Test func proto3BodiesCarryTheSameSpans() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let reporter = try ZipkinReporter(configuration: configuration(server) { $0.encoding = .proto3 })
        let spans = (0..<30).map { span($0) }
        for span in spans { reporter.report(span) }
        #expect((await reporter.close(timeout: .seconds(5))).isComplete)
        #expect(server.requests.allSatisfy { $0.header("Content-Type") == "application/x-protobuf" })
        var count = 0
        for request in server.requests {
            let list = try #require(request.body.withUnsafeBufferPointer {
                zipkin__proto3__list_of_spans__unpack(nil, $0.count, $0.baseAddress)
            })
            count += list.pointee.n_spans
            zipkin__proto3__list_of_spans__free_unpacked(list, nil)
        }
        #expect(count == 30)
        // The same bytes the encoder makes for the spans of each request.
        #expect(server.requests.count == 1)
        #expect(server.requests.first?.body == ZipkinProtoEncoder().encodeList(spans))
    }

    @Test func aServerErrorIsRetriedAndNothingIsLost() async throws {
        let server = try TestHTTPServer { $0 == 0 ? .init(status: .internalServerError) : .init(status: .accepted) }
        defer { server.stop() }
        let reporter = try ZipkinReporter(configuration: configuration(server))
        for index in 0..<10 { reporter.report(span(index)) }
        #expect((await reporter.close(timeout: .seconds(5))).isComplete)
        #expect(reporter.statistics.delivered == 10)
        #expect(reporter.statistics.totalDropped == 0)
        #expect(reporter.transport.retries == 1)
        #expect(server.requests.count == 2)
        #expect(server.requests[0].body == server.requests[1].body)
    }

    @Test func aBadRequestIsDroppedAndCountedWithoutARetry() async throws {
        let server = try TestHTTPServer { _ in .init(status: .badRequest) }
        defer { server.stop() }
        let reporter = try ZipkinReporter(configuration: configuration(server))
        for index in 0..<10 { reporter.report(span(index)) }
        let result = await reporter.close(timeout: .seconds(5))
        #expect(result.dropped == 10)
        #expect(reporter.statistics.dropped[.rejected] == 10)
        #expect(server.requests.count == 1)
        #expect(reporter.transport.retries == 0)
    }

    @Test func serverErrorsUntilTheTriesRunOutDropTheBatchAsServerError() async throws {
        let server = try TestHTTPServer { _ in .init(status: .serviceUnavailable) }
        defer { server.stop() }
        let reporter = try ZipkinReporter(configuration: configuration(server))
        for index in 0..<5 { reporter.report(span(index)) }
        _ = await reporter.close(timeout: .seconds(5))
        #expect(server.requests.count == 3)
        #expect(reporter.statistics.dropped[.serverError] == 5)
    }

    @Test func aServerThatHangsPastTheTimeoutNeverBlocksTheCaller() async throws {
        let server = try TestHTTPServer { _ in .init(delay: .seconds(2)) }
        defer { server.stop() }
        let reporter = try ZipkinReporter(configuration: configuration(server) {
            $0.requestTimeout = .milliseconds(200)
            $0.maximumAttempts = 2
        })
        let clock = ContinuousClock()
        var slowest = Duration.zero
        for index in 0..<2_000 {
            let span = span(index)
            slowest = max(slowest, clock.measure { reporter.report(span) })
        }
        #expect(slowest < .milliseconds(100), "slowest report() took \(slowest)")
        #expect(await eventually(timeout: .seconds(10)) { reporter.statistics.dropped[.timeout, default: 0] > 0 })
        _ = await reporter.close(timeout: .milliseconds(500))
        let statistics = reporter.statistics
        #expect(statistics.delivered == 0)
    }

    @Test func aRefusedConnectionIsCountedAsNotConnected() async throws {
        let server = try TestHTTPServer()
        let endpoint = server.endpoint
        server.stop()  // nothing listens on the port any more
        var configuration = ZipkinConfiguration()
        configuration.endpoint = endpoint
        configuration.flushInterval = .milliseconds(20)
        configuration.minimumRetryDelay = .milliseconds(5)
        configuration.requestTimeout = .milliseconds(300)
        let reporter = try ZipkinReporter(configuration: configuration)
        for index in 0..<5 { reporter.report(span(index)) }
        _ = await reporter.close(timeout: .seconds(5))
        #expect(reporter.statistics.dropped[.notConnected] == 5, "\(reporter.statistics)")
    }

    @Test func aServerSlowerThanTheProducerBoundsTheQueueAndCountsDrops() async throws {
        let server = try TestHTTPServer { _ in .init(delay: .milliseconds(50)) }
        defer { server.stop() }
        let reporter = try ZipkinReporter(configuration: configuration(server) {
            $0.queueCapacity = 300
            $0.maximumBatchSpans = 50
        })
        for index in 0..<20_000 { reporter.report(span(index)) }
        let statistics = reporter.statistics
        #expect(statistics.dropped[.queueFull, default: 0] > 15_000)
        _ = await reporter.close(timeout: .seconds(3))
        let final = reporter.statistics
        #expect(final.reported == 20_000)
        #expect(final.delivered + final.totalDropped <= 20_000)
        #expect(final.delivered > 0)
    }

    @Test func theQueuesByteBoundDropsSpansBeyondIt() async throws {
        let server = try TestHTTPServer { _ in .init(delay: .milliseconds(200)) }
        defer { server.stop() }
        // One span per request, so that the sender holds one span while the server waits and
        // the rest stay in the queue, whose bytes are what the bound limits.
        let reporter = try ZipkinReporter(configuration: configuration(server) {
            $0.queueByteLimit = 100_000
            $0.maximumBatchSpans = 1
        })
        var big = span(1)
        big.tags.append(SpanTag(key: "payload", value: .string(String(repeating: "x", count: 10_000))))
        for _ in 0..<100 { reporter.report(big) }
        #expect(reporter.statistics.dropped[.queueFull, default: 0] >= 80)
        _ = await reporter.close(timeout: .seconds(2))
    }

    @Test func closeWhileARequestIsInFlightReturnsByItsDeadline() async throws {
        let server = try TestHTTPServer { _ in .init(delay: .seconds(3)) }
        defer { server.stop() }
        let reporter = try ZipkinReporter(configuration: configuration(server) { $0.maximumBatchSpans = 10 })
        for index in 0..<100 { reporter.report(span(index)) }
        #expect(await eventually { !server.requests.isEmpty })
        let started = ContinuousClock.now
        let result = await reporter.close(timeout: .milliseconds(300))
        let took = ContinuousClock.now - started
        #expect(took < .seconds(1), "close took \(took)")
        #expect(result.dropped + result.pending + result.delivered >= 90)
        #expect(reporter.statistics.dropped[.closed, default: 0] >= 80)
        reporter.report(span(0))
        #expect(reporter.statistics.dropped[.closed, default: 0] >= 81)
    }

    @Test func aSingleSpanIsSentWithinTheFlushIntervalWithoutAFlush() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let reporter = try ZipkinReporter(configuration: configuration(server) { $0.flushInterval = .milliseconds(100) })
        reporter.report(span(1))
        #expect(await eventually(timeout: .seconds(3)) { server.requests.count == 1 })
        _ = await reporter.close()
    }

    @Test func batchesAreSplitToStayUnderTheByteLimitAndAnOversizeSpanIsDropped() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let reporter = try ZipkinReporter(configuration: configuration(server) { $0.maximumBatchBytes = 2_000 })
        for index in 0..<40 { reporter.report(span(index)) }
        var huge = span(99)
        huge.operationName = String(repeating: "h", count: 5_000)
        reporter.report(huge)
        _ = await reporter.close(timeout: .seconds(5))
        #expect(server.requests.allSatisfy { $0.body.count <= 2_000 })
        #expect(reporter.statistics.delivered == 40)
        #expect(reporter.statistics.dropped[.oversize] == 1)
    }

    @Test func aSplitBatchWhoseFirstRequestRunsOutOfTriesStillSendsItsOtherRequests() async throws {
        let server = try TestHTTPServer { $0 < 3 ? .init(status: .serviceUnavailable) : .init(status: .accepted) }
        defer { server.stop() }
        let reporter = try ZipkinReporter(configuration: configuration(server) {
            $0.maximumBatchBytes = 2_000
            $0.flushInterval = .seconds(60)
        })
        for index in 0..<10 { reporter.report(span(index)) }
        _ = await reporter.close(timeout: .seconds(10))
        let requests = server.requests
        let spansIn = { (request: Int) in
            (try? JSONSerialization.jsonObject(with: Data(requests[request].body)) as? [Any])?.count ?? 0
        }
        #expect(requests.count > 3)
        #expect(requests[0].body == requests[2].body)
        let failed = spansIn(0)
        #expect(reporter.statistics.dropped == [.serverError: failed])
        #expect(reporter.statistics.delivered == 10 - failed)
        #expect((3..<requests.count).reduce(0) { $0 + spansIn($1) } == 10 - failed)
    }

    /// Bodies the reporter posted, for Scripts/crosscheck-zipkin.py to check against Zipkin's
    /// schema and zipkin.proto (when `DAPPER_CROSSCHECK_DIR` is set, as Scripts/test does).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["DAPPER_CROSSCHECK_DIR"] != nil))
    func capturedBodiesAreWrittenForTheIndependentCheck() async throws {
        let directory = try #require(ProcessInfo.processInfo.environment["DAPPER_CROSSCHECK_DIR"])
        let spans = WireVectorsForZipkin.spans + (0..<150).map { span($0) }
        for encoding in ZipkinConfiguration.Encoding.allCases {
            let server = try TestHTTPServer()
            defer { server.stop() }
            let reporter = try ZipkinReporter(configuration: configuration(server) { $0.encoding = encoding })
            for span in spans { reporter.report(span) }
            #expect((await reporter.close(timeout: .seconds(5))).isComplete)
            #expect(server.requests.count >= 2)
            for (index, request) in server.requests.enumerated() {
                let name = "captured-\(encoding.rawValue)-\(index).\(encoding == .json ? "json" : "pb")"
                try Data(request.body).write(to: URL(fileURLWithPath: "\(directory)/\(name)"))
            }
        }
    }

    @Test func aMalformedEndpointIsAnErrorAtCreation() {
        var configuration = ZipkinConfiguration()
        configuration.endpoint = "not a url"
        #expect(throws: ZipkinReporterError.invalidConfiguration(.unsupportedScheme("not a url"))) {
            try ZipkinReporter(configuration: configuration)
        }
    }

    @Test func valuesSetInCodeOutOfRangeAreATypedErrorAtCreationNotATrap() {
        var configuration = ZipkinConfiguration()
        configuration.maximumBatchSpans = Int.max
        #expect(throws: ZipkinReporterError.invalidConfiguration(.outOfRange(
            name: "maximumBatchSpans", value: "\(Int.max)", allowed: "between 1 and 10000"))) {
            try ZipkinReporter(configuration: configuration)
        }
        configuration = ZipkinConfiguration()
        configuration.queueCapacity = 100_000_000_000
        #expect(throws: ZipkinReporterError.invalidConfiguration(.outOfRange(
            name: "queueCapacity", value: "100000000000", allowed: "between 1 and 1000000"))) {
            try ZipkinReporter(configuration: configuration)
        }
        configuration = ZipkinConfiguration()
        configuration.requestTimeout = .seconds(Int64.max)
        #expect(throws: ZipkinReporterError.self) { try ZipkinReporter(configuration: configuration) }
    }

    @Test func aHeaderWithCRLFSetInCodeIsRefusedAtCreationRatherThanDroppingEveryBatch() {
        var configuration = ZipkinConfiguration()
        configuration.headers = [("X-Token", "abc\r\nX-Injected: 1")]
        #expect(throws: ZipkinReporterError.invalidConfiguration(
            .invalidHeader(name: "X-Token", reason: "the value holds a control character"))) {
            try ZipkinReporter(configuration: configuration)
        }
    }

    @Test func theREADMEsBearerHeaderReachesTheServerPercentDecoded() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        var parsed = try ZipkinConfiguration(parsing: server.endpoint + "?header=Authorization:Bearer%20TOKEN")
        parsed.flushInterval = .milliseconds(50)
        let reporter = try ZipkinReporter(configuration: parsed)
        reporter.report(span(1))
        #expect((await reporter.close(timeout: .seconds(5))).isComplete)
        #expect(!server.requests.isEmpty)
        #expect(server.requests.allSatisfy { $0.header("Authorization") == "Bearer TOKEN" })
    }

    @Test func userInfoInTheURLIsSentAsBasicAuthenticationAndNotInTheURL() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let reporter = try ZipkinReporter(configuration: configuration(server) {
            $0.endpoint = "http://ad%6Din:p%40ss:word@127.0.0.1:\(server.port)/api/v2/spans"
        })
        reporter.report(span(1))
        #expect((await reporter.close(timeout: .seconds(5))).isComplete)
        #expect(!server.requests.isEmpty)
        // base64("admin:p@ss:word"): user and password percent-decoded.
        #expect(server.requests.allSatisfy { $0.header("Authorization") == "Basic YWRtaW46cEBzczp3b3Jk" })
        #expect(server.requests.allSatisfy { $0.uri == "/api/v2/spans" && $0.header("Host") == "127.0.0.1:\(server.port)" })
    }

    @Test func anExplicitAuthorizationHeaderWinsOverUserInfo() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let reporter = try ZipkinReporter(configuration: configuration(server) {
            $0.endpoint = "http://admin:pw@127.0.0.1:\(server.port)/api/v2/spans"
            $0.headers = [("authorization", "Bearer explicit")]
        })
        reporter.report(span(1))
        #expect((await reporter.close(timeout: .seconds(5))).isComplete)
        #expect(!server.requests.isEmpty)
        #expect(server.requests.allSatisfy { request in
            request.headers.filter { $0.0.lowercased() == "authorization" }.map(\.1) == ["Bearer explicit"]
        })
    }

    @Test func failureLogsShowTheEndpointWithoutItsPassword() async throws {
        let server = try TestHTTPServer { _ in .init(status: .badRequest) }
        defer { server.stop() }
        let messages = LogCapture()
        let reporter = try ZipkinReporter(
            configuration: configuration(server) { $0.endpoint = "http://admin:S3cretPW@127.0.0.1:\(server.port)/api/v2/spans" },
            logger: Logger(label: "test") { _ in messages })
        reporter.report(span(1))
        _ = await reporter.close(timeout: .seconds(5))
        #expect(reporter.statistics.dropped[.rejected] == 1)
        let text = messages.lines.joined(separator: "\n")
        #expect(text.contains("http://***@127.0.0.1:\(server.port)/api/v2/spans answered 400"), "\(text)")
        #expect(!text.contains("S3cretPW"), "\(text)")
    }
}

/// The vectors' spans that have a Zipkin object (loaded like the wire tests do).
enum WireVectorsForZipkin {
    static let spans: [FinishedSpan] = {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tests/Fixtures/legacy-go.json").standardizedFileURL
        guard let data = try? Data(contentsOf: url),
            let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let entries = root["spans"] as? [[String: Any]]
        else { return [] }
        return entries.compactMap { entry -> FinishedSpan? in
            guard entry["zipkin_expected"] is [String: Any], let hex = entry["span_proto_hex"] as? String else { return nil }
            var bytes: [UInt8] = []
            var index = hex.startIndex
            while index < hex.endIndex {
                let next = hex.index(index, offsetBy: 2)
                bytes.append(UInt8(hex[index..<next], radix: 16) ?? 0)
                index = next
            }
            return try? SpanDecoder().decode(bytes)
        }
    }()
}

