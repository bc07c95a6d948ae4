import Dapper

/// The reporting pipeline: a bounded queue, a thread of its own, batching, retries with
/// capped backoff, flush and close with deadlines, and statistics by reason, around any
/// ``SpanExporter``.
///
/// ```swift
/// var configuration = BatchingConfiguration()
/// configuration.batchInterval = .seconds(1)
/// configuration.maximumAttempts = 3
/// let reporter = try BatchingReporter(exporter: MyExporter(), configuration: configuration)
/// let tracer = DapperTracer(serviceName: "user-service", reporter: reporter)
/// …
/// let result = await reporter.close()          // exports what is queued, for at most 1 s
/// ```
///
/// What it guarantees, whatever the exporter does:
/// - ``report(_:)`` never blocks and, in steady state, never allocates: it moves the span into
///   the queue, or counts it as dropped (``/Dapper/DropReason/queueFull`` when the queue is
///   full by count or by estimated bytes, ``/Dapper/DropReason/closed`` after a close).
/// - Every span reported ends delivered or dropped with a counted reason in ``statistics``.
/// - Only what the exporter calls retryable is tried again, at most
///   ``BatchingConfiguration/maximumAttempts`` times in all, after a capped exponential
///   backoff; what it cannot send in the end is dropped under the failure's reason.
/// - Its statistics are also published as swift-metrics counters and gauges
///   (`dapper_reporter_spans_total{exporter, result, reason}`, …; see the DapperReporting
///   documentation, "Metrics"), from its own thread once a second, and by every flush and
///   close. ``BatchingConfiguration/emitsMetrics`` turns this off.
///   The metrics are made at init with `MetricsSystem.factory`: the bootstrapped backend, or
///   the one bound by `withMetricsFactory` around the init.
/// - ``flush(timeout:)`` and ``close(timeout:)`` return by their deadline. A close that runs
///   out of time drops what is still queued as ``/Dapper/DropReason/closed`` and stops
///   retrying; an export in flight then is counted when it returns.
public final class BatchingReporter<Exporter: SpanExporter>: Reporter {
    /// The limits the reporter was made with.
    public let configuration: BatchingConfiguration
    /// The exporter's ``SpanExporter/name``.
    package let exporterName: String

    private let queue: SpanQueue
    private let counters: ReporterCounters
    private let metrics: ReporterMetrics?
    private let estimatesSizes: Bool

    /// Creates the pipeline and starts its thread, which owns `exporter` from now on.
    ///
    /// - Throws: ``BatchingReporterError/invalidConfiguration(name:value:allowed:)`` when a
    ///   value of `configuration` is out of range; ``BatchingReporterError/cannotStartThread(_:)``
    ///   when the system refuses the thread (`exporter` is then shut down).
    public init(exporter: sending Exporter, configuration: BatchingConfiguration) throws(BatchingReporterError) {
        try configuration.validate()
        self.configuration = configuration
        exporterName = exporter.name
        queue = SpanQueue(capacity: configuration.queueCapacity, byteLimit: configuration.queueByteLimit ?? .max)
        let counters = ReporterCounters()
        self.counters = counters
        let metrics =
            configuration.emitsMetrics
            ? ReporterMetrics(
                exporterName: exporter.name, extraLabels: configuration.metricsLabels, counters: counters, queue: queue)
            : nil
        self.metrics = metrics
        let loop = ExportLoop(
            exporter: exporter, configuration: configuration, queue: queue, counters: counters, metrics: metrics)
        estimatesSizes = configuration.queueByteLimit != nil || configuration.maximumBatchBytes != nil
        do {
            try loop.start()
        } catch {
            throw .cannotStartThread(error)
        }
    }

    deinit {
        // The thread exports what is queued, shuts the exporter down, publishes the metrics,
        // then exits.
        queue.close()
    }

    public func report(_ span: FinishedSpan) {
        counters.reported()
        // A negative estimate would let the byte count run below zero and past its bound.
        let size = estimatesSizes ? max(0, Exporter.estimatedSize(of: span)) : 0
        switch queue.push(span, size: size) {
        case .queued: break
        case .full: counters.dropped(.queueFull)
        case .closed: counters.dropped(.closed)
        }
    }

    /// Exports what is queued now, without waiting for a batch to fill, and waits until it
    /// is delivered or dropped, or until `timeout` passes; then publishes the metrics.
    public func flush(timeout: Duration) async -> FlushResult {
        let before = counters.statistics
        let target = queue.progress.accepted
        queue.requestFlush()
        let pending = await queue.waitUntilFinished(target, deadline: ContinuousClock.now + timeout)
        // What the flush waited for is in the metrics when it returns, not up to a second later.
        metrics?.publish()
        return result(since: before, pending: pending)
    }

    /// Refuses later spans, exports what is queued, and waits until the thread is done or
    /// `timeout` passes; then drops what is still queued as ``/Dapper/DropReason/closed``.
    /// ``/Dapper/FlushResult/pending`` counts the spans of an export still in flight: they are counted
    /// when it returns.
    public func close(timeout: Duration) async -> FlushResult {
        let before = counters.statistics
        queue.close()
        if await !queue.waitUntilWriterExits(deadline: ContinuousClock.now + timeout) {
            queue.abandon()
            counters.dropped(.closed, queue.removeAll())
        }
        // The thread published when it exited; this adds what a close out of time dropped,
        // and spans refused since.
        metrics?.publish()
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

    /// Estimated bytes of the spans waiting in the queue (0 without a byte bound).
    public var queuedBytes: Int { queue.queuedByteCount }

    /// Exports tried again after a retryable failure so far.
    public var retries: Int { counters.retriesTotal }
}
