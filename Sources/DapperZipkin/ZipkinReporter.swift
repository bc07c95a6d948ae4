import AsyncHTTPClient
import Dapper
import DapperWire
import Logging
import Synchronization

/// Reports spans to Zipkin: `POST /api/v2/spans` with Zipkin v2 JSON or proto3, in batches
/// (SPEC 9).
///
/// ```swift
/// let reporter = try ZipkinReporter(configuration: ZipkinConfiguration(parsing: "http://localhost:9411/api/v2/spans"))
/// setGlobalTracer(DapperTracer(serviceName: "user-service", reporter: reporter))
/// …
/// let result = await reporter.close()          // sends what is queued, for at most 1 s
/// ```
///
/// The caller never waits. ``report(_:)`` puts the span in a bounded queue (10 000 spans and
/// 32 MiB by default) and returns; a thread of the reporter's own takes batches (100 spans
/// or 500 KB, and at least once per second), encodes them and posts them. A batch that fails
/// for the network or a 5xx answer is tried again after 100 ms, 200 ms, … (3 tries in all); a
/// 4xx answer drops it at once. Every span ends delivered or dropped with a counted reason in
/// ``statistics``; ``transport`` counts requests, bytes and retries. Errors are logged
/// through swift-log, at most once per 10 seconds per kind of error.
public final class ZipkinReporter: Reporter {
    /// What the reporter sent over HTTP.
    public struct TransportStatistics: Sendable, Hashable {
        /// Requests answered with 2xx.
        public var messages = 0
        /// Body bytes of those requests.
        public var bytes = 0
        /// Requests tried again after a failure.
        public var retries = 0
        /// Requests that failed (each try counts).
        public var failedRequests = 0
    }

    /// How the reporter sends.
    public let configuration: ZipkinConfiguration

    private let shared: ZipkinSharedState
    private var queue: SpanQueue { shared.queue }
    private var counters: ReporterCounters { shared.counters }

    /// Creates a reporter and starts its sending thread.
    ///
    /// - Parameters:
    ///   - configuration: Where and how to send.
    ///   - httpClient: A client to send with; by default the reporter makes its own and shuts
    ///     it down when it closes. A client you pass stays yours to shut down.
    ///   - logger: Where errors go, rate-limited.
    /// - Throws: ``ZipkinConfigurationError`` when the endpoint is not a URL.
    public init(
        configuration: ZipkinConfiguration = ZipkinConfiguration(),
        httpClient: HTTPClient? = nil,
        logger: Logger = Logger(label: "dapper.zipkin")
    ) throws(ZipkinConfigurationError) {
        precondition(configuration.queueCapacity > 0, "ZipkinConfiguration.queueCapacity must be positive")
        precondition(configuration.maximumBatchSpans > 0, "ZipkinConfiguration.maximumBatchSpans must be positive")
        // Checks the endpoint now, so that a bad URL is an error here rather than a drop later.
        guard (try? HTTPClient.Request(url: configuration.endpoint, method: .POST)) != nil else {
            throw .unsupportedScheme(configuration.endpoint)
        }
        self.configuration = configuration
        shared = ZipkinSharedState(queueCapacity: configuration.queueCapacity)
        let sender = ZipkinSender(
            configuration: configuration, shared: shared, httpClient: httpClient, logger: RateLimitedLogger(logger))
        try? startThread { sender.run() }
    }

    deinit {
        queue.close()
    }

    public func report(_ span: FinishedSpan) {
        counters.reported()
        let size = ZipkinSender.estimatedSize(span)
        if shared.queuedBytes.add(size, ordering: .relaxed).newValue > configuration.queueByteLimit {
            shared.queuedBytes.subtract(size, ordering: .relaxed)
            counters.dropped(.queueFull)
            return
        }
        switch queue.push(span) {
        case .queued:
            return
        case .full:
            counters.dropped(.queueFull)
        case .closed:
            counters.dropped(.closed)
        }
        shared.queuedBytes.subtract(size, ordering: .relaxed)
    }

    public func flush(timeout: Duration) async -> FlushResult {
        let before = counters.statistics
        let target = queue.progress.accepted
        queue.requestFlush()
        let pending = await queue.waitUntilFinished(target, deadline: ContinuousClock.now + timeout)
        return result(since: before, pending: pending)
    }

    public func close(timeout: Duration) async -> FlushResult {
        let before = counters.statistics
        queue.close()
        if await !queue.waitUntilWriterExits(deadline: ContinuousClock.now + timeout) {
            // Out of time: what is queued is dropped now, and a batch in flight is not tried
            // again (its outcome is counted when its request ends).
            shared.abandoned.store(true, ordering: .relaxed)
            counters.dropped(.closed, queue.removeAll())
        }
        let progress = queue.progress
        return result(since: before, pending: max(0, progress.accepted - progress.finished))
    }

    private func result(since before: ReporterStatistics, pending: Int) -> FlushResult {
        let after = counters.statistics
        return FlushResult(
            delivered: after.delivered - before.delivered,
            dropped: after.totalDropped - before.totalDropped,
            pending: pending)
    }

    public var statistics: ReporterStatistics { counters.statistics }

    /// Spans waiting in the queue right now.
    public var queuedCount: Int { queue.queuedCount }

    /// Requests, bytes and retries so far.
    public var transport: TransportStatistics { shared.transport.withLock { $0 } }
}

extension DropReason {
    /// The collector kept answering with 5xx until the batch's tries ran out.
    public static let serverError = DropReason("server_error")
}
