#if Zipkin  // a package trait, on by default (README, "Installation")
import AsyncHTTPClient
import Dapper
import DapperExporterSupport
import DapperReporting
import Logging

/// Reports spans to Zipkin: `POST /api/v2/spans` with Zipkin v2 JSON or proto3, in batches
/// (Compatibility §9).
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
/// through swift-log, at most once per 10 seconds per kind of error, with the endpoint's user
/// info redacted and no header value. (The queue, the thread, the retries, flush and close are
/// `DapperReporting`'s ``/DapperReporting/BatchingReporter``, with Zipkin's exporter plugged in.)
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

    private let pipeline: BatchingReporter<ZipkinExporter>
    private let transportStatistics = LockedValue(TransportStatistics())

    /// Creates a reporter and starts its sending thread.
    ///
    /// - Parameters:
    ///   - configuration: Where and how to send.
    ///   - httpClient: A client to send with; by default the reporter makes its own and shuts
    ///     it down when it closes. A client you pass stays yours to shut down. The reporter's
    ///     requests all run on one event loop of the client's group, on a connection of that
    ///     loop.
    ///   - logger: Where errors go, rate-limited.
    /// - Throws: ``ZipkinReporterError/invalidConfiguration(_:)`` when a value is out of its
    ///   range or the endpoint or a header is malformed (``ZipkinConfiguration/validate()``);
    ///   ``ZipkinReporterError/cannotStartThread(_:)`` when the system refuses the thread.
    public init(
        configuration: ZipkinConfiguration = ZipkinConfiguration(),
        httpClient: HTTPClient? = nil,
        logger: Logger = Logger(label: "dapper.zipkin")
    ) throws(ZipkinReporterError) {
        let target: ZipkinExporter.Target
        do {
            try configuration.validate()
            target = try ZipkinExporter.Target(configuration)
        } catch {
            throw .invalidConfiguration(error)
        }
        self.configuration = configuration
        var batching = BatchingConfiguration()
        batching.queueCapacity = configuration.queueCapacity
        batching.queueByteLimit = configuration.queueByteLimit
        batching.maximumBatchSpans = configuration.maximumBatchSpans
        // The exporter splits a batch by its encoded bytes (maximumBatchBytes), exactly.
        batching.maximumBatchBytes = nil
        batching.batchInterval = configuration.flushInterval
        batching.exportTimeout = configuration.requestTimeout
        batching.maximumAttempts = configuration.maximumAttempts
        batching.minimumRetryDelay = configuration.minimumRetryDelay
        batching.maximumRetryDelay = configuration.maximumRetryDelay
        // The documented waits are exact: 100 ms, 200 ms, …
        batching.retryJitter = 0
        batching.emitsMetrics = configuration.emitsMetrics
        batching.metricsLabels = configuration.metricsLabels
        let exporter = ZipkinExporter(
            configuration: configuration, target: target, transport: transportStatistics, httpClient: httpClient,
            logger: RateLimitedLogger(logger))
        do {
            pipeline = try BatchingReporter(exporter: exporter, configuration: batching)
        } catch {
            switch error {
            case .cannotStartThread(let error):
                throw .cannotStartThread(error)
            case .invalidConfiguration(let name, let value, let allowed):
                // Zipkin's ranges are within the pipeline's: only metricsLabels can be refused.
                throw .invalidConfiguration(.outOfRange(name: name, value: value, allowed: allowed))
            }
        }
    }

    public func report(_ span: FinishedSpan) {
        pipeline.report(span)
    }

    public func flush(timeout: Duration) async -> FlushResult {
        await pipeline.flush(timeout: timeout)
    }

    /// Sends what is queued, waiting at most `timeout`, then stops. Out of time, what is queued
    /// is dropped as ``/Dapper/DropReason/closed``, and a batch in flight is not tried again
    /// (its outcome is counted when its request ends).
    public func close(timeout: Duration) async -> FlushResult {
        await pipeline.close(timeout: timeout)
    }

    public var statistics: ReporterStatistics { pipeline.statistics }

    /// Spans waiting in the queue right now.
    public var queuedCount: Int { pipeline.queuedCount }

    /// Requests, bytes and retries so far.
    public var transport: TransportStatistics {
        var transport = transportStatistics.withLock { $0 }
        transport.retries = pipeline.retries
        return transport
    }
}
#endif
