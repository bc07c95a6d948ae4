import Dapper

/// The pipeline's thread: takes batches from the queue, hands them to the exporter, counts
/// what it says, and tries retryable failures again after a backoff.
///
/// Every span taken ends delivered or dropped with a counted reason before the queue is told
/// it is finished with, which is what flush and close wait for.
final class ExportLoop<Exporter: SpanExporter>: @unchecked Sendable {
    // @unchecked: the exporter and every stored var are touched only by the loop's thread
    // once `start()` has run (the initializer's caller hands the exporter over with
    // `sending`); `queue` and `counters` are thread-safe themselves.
    private let exporter: Exporter
    private let configuration: BatchingConfiguration
    private let queue: SpanQueue
    private let counters: ReporterCounters
    private let metrics: ReporterMetrics?
    private let batch: UnsafeMutablePointer<FinishedSpan>
    private let batchByteLimit: Int
    private let interval: UInt64
    private var backoff: RetryBackoff

    init(
        exporter: sending Exporter, configuration: BatchingConfiguration, queue: SpanQueue, counters: ReporterCounters,
        metrics: ReporterMetrics?
    ) {
        self.exporter = exporter
        self.configuration = configuration
        self.queue = queue
        self.counters = counters
        self.metrics = metrics
        batch = .allocate(capacity: configuration.maximumBatchSpans)
        batchByteLimit = configuration.maximumBatchBytes ?? .max
        interval = configuration.batchInterval.clampedNanos
        backoff = RetryBackoff(
            minimum: configuration.minimumRetryDelay, maximum: configuration.maximumRetryDelay,
            jitter: configuration.retryJitter)
    }

    deinit {
        batch.deallocate()
    }

    /// Starts the thread, named after the exporter (`dapper-agent`).
    func start() throws(ThreadStartError) {
        let name = "dapper-" + exporter.name
        do {
            try startThread(name: name) { [self] in run() }
        } catch {
            exporter.shutdown()
            throw error
        }
    }

    private func run() {
        let capacity = configuration.maximumBatchSpans
        var filled = 0
        var filledBytes = 0
        var batchDeadline: UInt64?
        let publishInterval = ReporterMetrics.publishInterval.clampedNanos
        var publishDeadline = monotonicNanos() + publishInterval
        while true {
            // With metrics, the thread wakes at least once per publishInterval, so that drops
            // counted on reporting threads are published while nothing is exported.
            let deadline = metrics == nil ? batchDeadline : min(batchDeadline ?? .max, publishDeadline)
            let taken = queue.take(
                into: batch + filled, maximum: capacity - filled, byteBudget: batchByteLimit - filledBytes,
                budgetMayBeExceededOnce: filled == 0, deadline: deadline)
            filled += taken.count
            filledBytes += taken.bytes
            if filled > 0, batchDeadline == nil, interval > 0 { batchDeadline = monotonicNanos() + interval }
            let due = interval == 0 || batchDeadline.map { monotonicNanos() >= $0 } ?? false
            let full = filled >= capacity || taken.reachedByteBudget
            if filled > 0, full || due || taken.flushRequested || taken.closed {
                export(filled)
                batch.deinitialize(count: filled)
                queue.finished(filled)
                filled = 0
                filledBytes = 0
                batchDeadline = nil
            }
            // By time rather than after every export: with small batches a publication costs
            // as much as an export of a cheap exporter (a debug build delivered half as many
            // single-span batches publishing after each). A flush publishes for itself.
            if let metrics, monotonicNanos() >= publishDeadline {
                metrics.publish()
                publishDeadline = monotonicNanos() + publishInterval
            }
            if taken.closed, taken.count == 0, filled == 0 { break }
        }
        exporter.shutdown()
        metrics?.publish()
        queue.writerDidExit()
    }

    /// Exports the `count` spans of the batch until each is delivered or dropped.
    private func export(_ count: Int) {
        var start = 0
        // Tries of the spans from `start` on, the one about to be made included.
        var attempt = 1
        backoff.reset()
        while start < count {
            let spans = UnsafeBufferPointer(start: batch + start, count: count - start)
            let result = exporter.export(spans, deadline: .now + configuration.exportTimeout)
            let handled = record(result, of: spans.count)
            let remaining = spans.count - handled
            guard remaining > 0 else { return }
            let failure = result.failure ?? ExportFailure(reason: .writeError, retry: .never)
            // Progress restarts the count: the failed rest has had one try, this one.
            if handled > 0 {
                attempt = 1
                backoff.reset()
            }
            let wait: Duration? =
                switch failure.retry {
                case .never: nil
                case .afterBackoff: backoff.next()
                case .after(let delay): min(max(.zero, delay), configuration.maximumRetryDelay)
                }
            if let wait, attempt < configuration.maximumAttempts, !queue.isAbandoned,
                queue.waitBeforeRetry(untilNanos: monotonicNanos() + wait.clampedNanos)
            {
                counters.retried()
                attempt += 1
                start += handled
                continue
            }
            let abandoned = queue.isAbandoned
            let failed = min(max(1, failure.count ?? remaining), remaining)
            let reason = abandoned && failure.retry != .never ? DropReason.closed : failure.reason
            counters.dropped(reason, failed)
            exporter.didDrop(failed, after: attempt, reason: reason)
            // The spans after the failed ones were not tried: export them afresh, unless a
            // close ran out of time, which stops all sending.
            let untried = remaining - failed
            if abandoned, untried > 0 {
                counters.dropped(.closed, untried)
                exporter.didDrop(untried, after: 0, reason: .closed)
                return
            }
            start += handled + failed
            attempt = 1
            backoff.reset()
        }
    }

    /// Counts what `result` says of a batch of `count` spans; returns how many it handled
    /// (delivered or dropped), never more than `count`, whatever the exporter claimed.
    private func record(_ result: ExportResult, of count: Int) -> Int {
        let delivered = min(max(0, result.delivered), count)
        counters.delivered(delivered)
        counters.truncated(min(max(0, result.truncated), delivered))
        counters.requests(succeeded: result.succeededRequests, failed: result.failedRequests, bytes: result.requestBytes)
        var handled = delivered
        result.dropped.forEach { reason, dropped in
            let counted = min(dropped, count - handled)
            counters.dropped(reason, counted)
            handled += counted
        }
        return handled
    }
}
