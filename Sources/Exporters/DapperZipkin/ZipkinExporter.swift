#if Zipkin  // a package trait, on by default (README, "Installation")
import AsyncHTTPClient
import Dapper
import DapperExporterSupport
import DapperReporting
@_spi(Benchmarks) import DapperZipkinWire  // ZipkinTagPrefixCache: this exporter encodes as a sending thread
import Logging
import NIOCore
import NIOHTTP1

/// The Zipkin reporter's exporter: encodes each batch and posts it, in as many requests as
/// the byte limit needs, on the pipeline's thread (``BatchingReporter``), which tries a
/// failed request again with a capped exponential backoff.
///
/// It blocks on HTTP requests (`wait()` on AsyncHTTPClient's futures), which is why it runs
/// on the pipeline's thread and never on an event loop or Swift's cooperative pool.
///
/// Its size estimate, for the queue's byte bound, is the protocol's default: the span's
/// strings plus a fixed overhead per field, close to the JSON it becomes.
final class ZipkinExporter: SpanExporter {
    let name = "zipkin"
    private let configuration: ZipkinConfiguration
    private let transport: LockedValue<ZipkinReporter.TransportStatistics>
    private let client: HTTPClient
    private let ownsClient: Bool
    /// Every request's event loop, its connection's too (`requestEventLoop(of:)` says why).
    private let eventLoop: HTTPClient.EventLoopPreference
    private let logger: RateLimitedLogger
    private let jsonEncoder = ZipkinJSONEncoder()
    private let prefixCache = ZipkinTagPrefixCache()
    private let protoEncoder = ZipkinProtoEncoder()
    private var body: [UInt8] = []
    /// The last failed request, for the message when the pipeline gives its spans up.
    private var lastFailure: (reason: DropReason, detail: String)?

    /// Where requests go and what they carry, worked out once from the configuration.
    struct Target: Sendable {
        /// The endpoint without its user info.
        let url: String
        /// Every request's headers: the content type, the configured ones and, from the
        /// user info, Basic authentication unless an `Authorization` header is configured.
        let headers: HTTPHeaders
        /// The endpoint as messages show it.
        let redactedURL: String

        init(_ configuration: ZipkinConfiguration) throws(ZipkinConfigurationError) {
            let endpoint = try ZipkinEndpoint(configuration.endpoint)
            url = endpoint.withoutUserInfo
            redactedURL = configuration.redactedEndpoint
            // Checks the URL the way the client will read it, so that a bad one is an error
            // now rather than a drop of every batch later.
            guard (try? HTTPClient.Request(url: url, method: .POST)) != nil else { throw .invalidHost(redactedURL) }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: configuration.encoding.contentType)
            for header in configuration.headers { headers.add(name: header.name, value: header.value) }
            if let credentials = try endpoint.credentials(), !headers.contains(name: "Authorization") {
                headers.add(name: "Authorization", value: "Basic " + base64((credentials.user + ":" + credentials.password).utf8))
            }
            self.headers = headers
        }
    }

    private let target: Target

    init(
        configuration: ZipkinConfiguration, target: Target, transport: LockedValue<ZipkinReporter.TransportStatistics>,
        httpClient: HTTPClient?, logger: RateLimitedLogger
    ) {
        self.configuration = configuration
        self.target = target
        self.transport = transport
        self.logger = logger
        if let httpClient {
            client = httpClient
            ownsClient = false
        } else {
            var clientConfiguration = HTTPClient.Configuration()
            clientConfiguration.timeout = HTTPClient.Configuration.Timeout(connect: nioTimeAmount(configuration.requestTimeout))
            client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
            ownsClient = true
        }
        eventLoop = requestEventLoop(of: client)
        body.reserveCapacity(64 * 1024)
    }

    /// The reporter is closing, or its thread could not start: shuts down the client this
    /// exporter made.
    func shutdown() {
        guard ownsClient else { return }
        do {
            try client.syncShutdown()
        } catch {
            logger.log(.warning, key: "shutdown", "Zipkin reporter: shutting the HTTP client down failed: \(error)")
        }
    }

    // MARK: Sending

    /// Posts `spans` in as many requests as the byte limit needs, stopping at the first
    /// request that fails in a way worth retrying: the spans from there on are the result's
    /// failure, for the pipeline to try again.
    func export(_ spans: UnsafeBufferPointer<FinishedSpan>, deadline: ContinuousClock.Instant) -> ExportResult {
        var result = ExportResult()
        send(spans, into: &result)
        return result
    }

    /// Sends `spans`, halving them until each request fits; returns false after a retryable
    /// failure.
    @discardableResult
    private func send(_ spans: UnsafeBufferPointer<FinishedSpan>, into result: inout ExportResult) -> Bool {
        encode(spans)
        if body.count <= configuration.maximumBatchBytes || spans.count == 1 {
            if body.count > configuration.maximumBatchBytes {
                result.drop(.oversize)
                logger.log(.warning, key: "oversize", "Zipkin reporter: a span of \(body.count) bytes exceeds the \(configuration.maximumBatchBytes)-byte request limit; dropped")
                return true
            }
            return post(count: spans.count, into: &result)
        }
        let middle = spans.count / 2
        guard send(UnsafeBufferPointer(rebasing: spans[..<middle]), into: &result) else { return false }
        return send(UnsafeBufferPointer(rebasing: spans[middle...]), into: &result)
    }

    private func encode(_ spans: UnsafeBufferPointer<FinishedSpan>) {
        body.removeAll(keepingCapacity: true)
        switch configuration.encoding {
        case .json:
            jsonEncoder.appendList(spans, to: &body, prefixCache: prefixCache)
        case .proto3:
            protoEncoder.withEncodedList(spans) { body.append(contentsOf: $0) }
        }
    }

    /// Posts `body` (holding `count` spans) once; returns false when it failed in a way worth
    /// retrying (the network, a timeout, a 5xx answer). A 4xx answer drops the spans at once.
    private func post(count: Int, into result: inout ExportResult) -> Bool {
        switch attemptPost() {
        case .delivered:
            result.deliver(count)
            result.countRequest(succeeded: true, bytes: body.count)
            transport.withLock {
                $0.messages += 1
                $0.bytes += body.count
            }
            return true
        case .rejected(let status):
            result.drop(.rejected, count)
            result.countRequest(succeeded: false)
            logger.log(.error, key: "rejected", "Zipkin reporter: \(target.redactedURL) answered \(status); \(count) spans dropped")
            return true
        case .failed(let reason, let detail):
            transport.withLock { $0.failedRequests += 1 }
            result.countRequest(succeeded: false)
            lastFailure = (reason, detail)
            // The spans of later requests were not tried: only these share the failure.
            result.failure = ExportFailure(reason: reason, retry: .afterBackoff, count: count)
            return false
        }
    }

    /// The pipeline gave up on a failing batch: its tries ran out, or a close ran out of time.
    func didDrop(_ count: Int, after attempts: Int, reason: DropReason) {
        guard attempts > 0 else {
            logger.log(.error, key: "closed", "Zipkin reporter: closed before sending; \(count) spans dropped (\(reason))")
            return
        }
        let failure = lastFailure ?? (reason, "sending failed")
        logger.log(.error, key: failure.reason.name, "Zipkin reporter: \(failure.detail) after \(attempts) tries; \(count) spans dropped (\(reason))")
    }

    private enum Outcome {
        case delivered
        case rejected(HTTPResponseStatus)
        case failed(DropReason, String)
    }

    private func attemptPost() -> Outcome {
        do {
            let request = try HTTPClient.Request(url: target.url, method: .POST, headers: target.headers, body: .bytes(body))
            let deadline = NIODeadline.now() + nioTimeAmount(configuration.requestTimeout)
            let response = try client.execute(request: request, eventLoop: eventLoop, deadline: deadline).wait()
            switch response.status.code {
            case 200..<300: return .delivered
            case 400..<500: return .rejected(response.status)
            default: return .failed(.serverError, "\(target.redactedURL) answered \(response.status)")
            }
        } catch {
            return .failed(dropReason(forHTTPClientError: error), "posting to \(target.redactedURL) failed: \(TerminalEscaping.escaped("\(error)"))")
        }
    }
}
#endif
