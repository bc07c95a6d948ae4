import AsyncHTTPClient
import Dapper
import DapperWire
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The Zipkin reporter's sending thread: takes batches from the queue, encodes them and posts
/// them, trying a failed batch again with a capped exponential backoff.
///
/// It blocks on HTTP requests (`wait()` on AsyncHTTPClient's futures), which is why it runs
/// on a thread of its own and never on an event loop or Swift's cooperative pool.
final class ZipkinSender: @unchecked Sendable {
    // @unchecked: after `run()` starts, the stored vars are touched only by the sending
    // thread; the shared objects (queue, counters, atomics, client) are thread-safe.
    private let configuration: ZipkinConfiguration
    private let shared: ZipkinSharedState
    private var queue: SpanQueue { shared.queue }
    private var counters: ReporterCounters { shared.counters }
    private let client: HTTPClient
    private let ownsClient: Bool
    private let logger: RateLimitedLogger
    private let jsonEncoder = ZipkinJSONEncoder()
    private let prefixCache = ZipkinTagPrefixCache()
    private let protoEncoder = ZipkinProtoEncoder()
    private var body: [UInt8] = []

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
        configuration: ZipkinConfiguration, target: Target, shared: ZipkinSharedState, httpClient: HTTPClient?,
        logger: RateLimitedLogger
    ) {
        self.configuration = configuration
        self.target = target
        self.shared = shared
        self.logger = logger
        if let httpClient {
            client = httpClient
            ownsClient = false
        } else {
            var clientConfiguration = HTTPClient.Configuration()
            clientConfiguration.timeout = HTTPClient.Configuration.Timeout(connect: Self.timeAmount(configuration.requestTimeout))
            client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
            ownsClient = true
        }
        body.reserveCapacity(64 * 1024)
    }

    /// A thread could not be started for `run()`: shuts down the client this sender made.
    func shutDownUnstarted() {
        guard ownsClient else { return }
        try? client.syncShutdown()
    }

    /// `duration` as NIO's time amount, saturated so that adding it to now cannot overflow
    /// (NIO traps on that), whatever was configured.
    static func timeAmount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(Int64(min(duration.clampedNanos, UInt64(Int64.max) / 4)))
    }

    /// A cheap estimate of a span's encoded size, for the queue's byte bound.
    static func estimatedSize(_ span: FinishedSpan) -> Int {
        var size = 160 + span.serviceName.utf8.count + span.operationName.utf8.count
        for tag in span.tags {
            size += 8 + tag.key.utf8.count
            if case .string(let text) = tag.value { size += text.utf8.count } else { size += 20 }
        }
        for log in span.logs {
            for field in log.fields { size += 40 + field.key.utf8.count + field.value.utf8.count }
        }
        return size
    }

    func run() {
        let capacity = configuration.maximumBatchSpans
        let taken = UnsafeMutablePointer<FinishedSpan>.allocate(capacity: capacity)
        defer { taken.deallocate() }
        var batch: [FinishedSpan] = []
        batch.reserveCapacity(capacity)
        var batchDeadline: UInt64?
        let interval = configuration.flushInterval.clampedNanos

        while true {
            let result = queue.take(into: taken, maximum: capacity - batch.count, deadline: batchDeadline)
            for index in 0..<result.count {
                let span = (taken + index).move()
                shared.queuedBytes.subtract(Self.estimatedSize(span), ordering: .relaxed)
                batch.append(span)
            }
            if !batch.isEmpty, batchDeadline == nil { batchDeadline = monotonicNanos() + interval }
            let due = batchDeadline.map { monotonicNanos() >= $0 } ?? false
            if !batch.isEmpty, batch.count >= capacity || due || result.flushRequested || result.closed {
                send(batch)
                queue.finished(batch.count)
                batch.removeAll(keepingCapacity: true)
                batchDeadline = nil
            }
            if result.closed, result.count == 0, batch.isEmpty { break }
        }
        if ownsClient {
            do {
                try client.syncShutdown()
            } catch {
                logger.log(.warning, key: "shutdown", "Zipkin reporter: shutting the HTTP client down failed: \(error)")
            }
        }
        queue.writerDidExit()
    }

    // MARK: Sending

    /// Sends `spans` in as many requests as the byte limit needs.
    private func send(_ spans: [FinishedSpan]) {
        encode(spans[...])
        if body.count <= configuration.maximumBatchBytes || spans.count == 1 {
            if body.count > configuration.maximumBatchBytes {
                counters.dropped(.oversize)
                logger.log(.warning, key: "oversize", "Zipkin reporter: a span of \(body.count) bytes exceeds the \(configuration.maximumBatchBytes)-byte request limit; dropped")
                return
            }
            post(count: spans.count)
            return
        }
        let middle = spans.count / 2
        send(Array(spans[..<middle]))
        send(Array(spans[middle...]))
    }

    private func encode(_ spans: ArraySlice<FinishedSpan>) {
        body.removeAll(keepingCapacity: true)
        switch configuration.encoding {
        case .json:
            jsonEncoder.appendList(spans, to: &body, prefixCache: prefixCache)
        case .proto3:
            protoEncoder.withEncodedList(spans) { body.append(contentsOf: $0) }
        }
    }

    /// Posts `body` (holding `count` spans), trying again on failures worth retrying.
    private func post(count: Int) {
        var delay = configuration.minimumRetryDelay
        var attempt = 1
        while true {
            let outcome = attemptPost()
            switch outcome {
            case .delivered:
                counters.delivered(count)
                shared.transport.withLock {
                    $0.messages += 1
                    $0.bytes += body.count
                }
                return
            case .rejected(let status):
                counters.dropped(.rejected, count)
                logger.log(.error, key: "rejected", "Zipkin reporter: \(target.redactedURL) answered \(status); \(count) spans dropped")
                return
            case .failed(let reason, let detail):
                shared.transport.withLock { $0.failedRequests += 1 }
                if attempt >= configuration.maximumAttempts || shared.abandoned.load(ordering: .relaxed) {
                    let finalReason = shared.abandoned.load(ordering: .relaxed) ? DropReason.closed : reason
                    counters.dropped(finalReason, count)
                    logger.log(.error, key: reason.name, "Zipkin reporter: \(detail) after \(attempt) tries; \(count) spans dropped (\(finalReason))")
                    return
                }
                shared.transport.withLock { $0.retries += 1 }
                usleep(useconds_t(min(delay.clampedNanos / 1_000, UInt64(UInt32.max))))
                delay = min(delay * 2, configuration.maximumRetryDelay)
                attempt += 1
            }
        }
    }

    private enum Outcome {
        case delivered
        case rejected(HTTPResponseStatus)
        case failed(DropReason, String)
    }

    private func attemptPost() -> Outcome {
        do {
            let request = try HTTPClient.Request(url: target.url, method: .POST, headers: target.headers, body: .bytes(body))
            let deadline = NIODeadline.now() + Self.timeAmount(configuration.requestTimeout)
            let response = try client.execute(request: request, deadline: deadline).wait()
            switch response.status.code {
            case 200..<300: return .delivered
            case 400..<500: return .rejected(response.status)
            default: return .failed(.serverError, "\(target.redactedURL) answered \(response.status)")
            }
        } catch {
            return .failed(Self.reason(for: error), "posting to \(target.redactedURL) failed: \(TerminalEscaping.escaped("\(error)"))")
        }
    }

    static func reason(for error: any Error) -> DropReason {
        if let error = error as? HTTPClientError,
            error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout
                || error == .writeTimeout
        {
            return .timeout
        }
        let text = String(describing: error).lowercased()
        if text.contains("connection refused") || text.contains("connect") { return .notConnected }
        return .writeError
    }
}

/// What the reporter and its sending thread share.
final class ZipkinSharedState: Sendable {
    let queue: SpanQueue
    let counters = ReporterCounters()
    let transport = LockedValue(ZipkinReporter.TransportStatistics())
    /// The estimated bytes of the spans in the queue, for its byte bound.
    let queuedBytes = Atomic<Int>(0)
    /// Set when a close ran out of time: a failing batch is then not tried again.
    let abandoned = Atomic<Bool>(false)

    init(queueCapacity: Int) { queue = SpanQueue(capacity: queueCapacity) }
}

/// A logger that lets one message per key through every 10 seconds, and says how many it
/// held back: a collector that is down for an hour must not flood the service's log.
final class RateLimitedLogger: Sendable {
    private let logger: Logger
    private let state = LockedValue<[String: (last: UInt64, suppressed: Int)]>([:])
    private static let interval: UInt64 = 10_000_000_000

    init(_ logger: Logger) { self.logger = logger }

    func log(_ level: Logger.Level, key: String, _ message: @autoclosure () -> String) {
        let now = monotonicNanos()
        let suppressed: Int? = state.withLock { state in
            if let entry = state[key], now - entry.last < Self.interval {
                state[key] = (entry.last, entry.suppressed + 1)
                return nil
            }
            let suppressed = state[key]?.suppressed ?? 0
            state[key] = (now, 0)
            return suppressed
        }
        guard let suppressed else { return }
        let text = message()
        logger.log(level: level, "\(suppressed > 0 ? "\(text) (\(suppressed) similar messages suppressed)" : text)")
    }
}
