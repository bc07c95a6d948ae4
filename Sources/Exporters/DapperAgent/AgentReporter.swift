import Dapper
import DapperReporting
import DapperWire

/// Reports spans to a local dapper agent as `span.proto` datagrams (Compatibility §8): over `unixgram`
/// (the default), `udp`, or `tcp` with each span framed by its varint length.
///
/// ```swift
/// let reporter = try AgentReporter.fromEnvironment()      // TRACE, or the default socket
/// let tracer = DapperTracer(serviceName: "user-service", reporter: reporter)
/// …
/// let result = await reporter.close()                     // flushes for at most a second
/// ```
///
/// The caller never waits. ``report(_:)`` moves the span into a bounded queue (4096 spans by
/// default) and returns; a thread of the reporter's own encodes the spans (``/DapperWire/SpanEncoder``)
/// and writes them in batches, so blocking socket calls stay off Swift's cooperative thread
/// pool. (The queue, the thread, flush and close are `DapperReporting`'s
/// ``/DapperReporting/BatchingReporter``, with the agent's exporter plugged in.) When the queue
/// is full, the agent is unreachable, a write fails or times out, or a span is too large even
/// shrunk, the span is dropped and the drop is counted by reason in ``statistics``. A lost connection is made again after 100 ms, then 200 ms, … up to 5 s.
public final class AgentReporter: Reporter {
    /// Limits and timings of the reporter.
    public struct Configuration: Sendable, Hashable {
        /// Spans the queue holds before new ones are dropped as ``/Dapper/DropReason/queueFull``
        /// (``queueCapacityRange``).
        public var queueCapacity: Int = 4096
        /// Spans the writer takes from the queue and writes with one system call, at most
        /// (``maximumBatchSizeRange``).
        public var maximumBatchSize: Int = 256
        /// The largest encoded span, in bytes; larger spans are shrunk (Compatibility §7)
        /// (``maximumSpanSizeRange``).
        public var maximumSpanSize: Int = SpanEncoder.defaultMaximumSize
        /// The first wait before connecting again after a failure (``delayRange``).
        public var minimumReconnectDelay: Duration = .milliseconds(100)
        /// The longest wait between connection attempts: at least ``minimumReconnectDelay``, at
        /// most the upper bound of ``delayRange``.
        public var maximumReconnectDelay: Duration = .seconds(5)
        /// Whether the reporter publishes its statistics through swift-metrics
        /// (``/DapperReporting/BatchingConfiguration/emitsMetrics``).
        public var emitsMetrics = true
        /// Labels added to the reporter's metrics besides `exporter="agent"`, to tell two
        /// agent reporters apart (``/DapperReporting/BatchingConfiguration/metricsLabels``).
        public var metricsLabels: [String: String] = [:]

        /// Creates the default configuration.
        public init() {}
    }

    /// Where the spans go.
    public let dsn: AgentDSN
    /// The limits the reporter was made with.
    public let configuration: Configuration

    private let pipeline: BatchingReporter<AgentExporter>
    private let connectionStatus = LockedValue(AgentStatus())

    /// Creates a reporter and starts its writer thread. Connecting happens on that thread;
    /// until it succeeds, spans are dropped as ``/Dapper/DropReason/notConnected``.
    ///
    /// - Throws: ``AgentReporterError/invalidConfiguration(name:value:allowed:)`` when a value
    ///   of `configuration` or the DSN's timeout is out of its range (see
    ///   ``Configuration/validate(dsn:)``); ``AgentReporterError/cannotStartThread(_:)`` when
    ///   the system refuses the writer thread.
    public init(dsn: AgentDSN = .default, configuration: Configuration = Configuration()) throws(AgentReporterError) {
        try configuration.validate(dsn: dsn)
        let encoder: SpanEncoder
        do {
            encoder = try SpanEncoder(maximumSize: configuration.maximumSpanSize)
        } catch {
            throw .invalidConfiguration(
                name: "maximumSpanSize", value: "\(configuration.maximumSpanSize)",
                allowed: "at least \(SpanEncoder.smallestMaximumSize)")
        }
        self.dsn = dsn
        self.configuration = configuration
        var batching = BatchingConfiguration()
        batching.queueCapacity = configuration.queueCapacity
        batching.maximumBatchSpans = configuration.maximumBatchSize
        // The socket's send timeout bounds each write; a failed datagram is not sent again.
        batching.exportTimeout = dsn.timeout
        batching.maximumAttempts = 1
        batching.emitsMetrics = configuration.emitsMetrics
        batching.metricsLabels = configuration.metricsLabels
        let exporter = AgentExporter(dsn: dsn, configuration: configuration, encoder: encoder, status: connectionStatus)
        do {
            pipeline = try BatchingReporter(exporter: exporter, configuration: batching)
        } catch {
            switch error {
            case .cannotStartThread(let error):
                throw .cannotStartThread(error)
            case .invalidConfiguration(let name, let value, let allowed):
                // The agent's ranges are within the pipeline's: only metricsLabels can be refused.
                throw .invalidConfiguration(name: name, value: value, allowed: allowed)
            }
        }
    }

    /// A reporter for the DSN in the `TRACE` environment variable, or ``AgentDSN/default``
    /// when it is unset.
    ///
    /// - Throws: ``AgentReporterError/invalidDSN(_:)`` when `TRACE` holds a malformed DSN, or
    ///   what ``init(dsn:configuration:)`` throws.
    public static func fromEnvironment(configuration: Configuration = Configuration()) throws(AgentReporterError) -> AgentReporter {
        let dsn: AgentDSN
        do {
            dsn = try AgentDSN.fromEnvironment()
        } catch {
            throw .invalidDSN(error)
        }
        return try AgentReporter(dsn: dsn, configuration: configuration)
    }

    public func report(_ span: FinishedSpan) {
        pipeline.report(span)
    }

    public func flush(timeout: Duration) async -> FlushResult {
        await pipeline.flush(timeout: timeout)
    }

    public func close(timeout: Duration) async -> FlushResult {
        await pipeline.close(timeout: timeout)
    }

    public var statistics: ReporterStatistics { pipeline.statistics }

    /// The writer's connection: whether it is up, how many were made, the last error.
    public var status: AgentStatus { connectionStatus.withLock { $0 } }

    /// Spans waiting in the queue right now.
    public var queuedCount: Int { pipeline.queuedCount }
}
