import CoreMetrics
import Dapper

/// Publishes a ``BatchingReporter``'s counters as swift-metrics counters and gauges (the names
/// and labels are listed in the DapperReporting documentation, "Metrics").
///
/// ``BatchingReporter/report(_:)`` never calls into swift-metrics, whose handlers may lock or
/// allocate: the reporting threads only bump ``ReporterCounters``' atomics, and publishing
/// turns what they gained since the last publication into counter increments. The export
/// thread publishes once per ``publishInterval``, busy or idle, and when it exits; a flush
/// publishes when it returns, and a close once more after the thread is done.
final class ReporterMetrics: Sendable {
    /// How long a count may wait before it is published, when no flush publishes it sooner.
    static let publishInterval: Duration = .seconds(1)

    static let spansLabel = "dapper_reporter_spans_total"
    static let truncatedLabel = "dapper_reporter_spans_truncated_total"
    static let queueSpansLabel = "dapper_reporter_queue_spans"
    static let queueBytesLabel = "dapper_reporter_queue_bytes"
    static let retriesLabel = "dapper_reporter_retries_total"
    static let requestsLabel = "dapper_reporter_requests_total"
    static let requestBytesLabel = "dapper_reporter_request_bytes_total"

    /// The `reason` of delivered spans. Every series of a name carries the same label names,
    /// because swift-prometheus requires it (it stops the process otherwise); and a value
    /// rather than an empty one, which other backends would show as such.
    static let deliveredReason = "none"

    /// Label names the reporter sets itself, which ``BatchingConfiguration/metricsLabels``
    /// may not use.
    static let reservedLabelNames: Set<String> = ["exporter", "result", "reason", "outcome"]

    private let counters: ReporterCounters
    private let queue: SpanQueue
    // A pthread mutex, not `Synchronization.Mutex`, which the thread sanitizer cannot see (see
    // `LockedValue`).
    private let state: LockedValue<State>

    /// The last published totals, and the drop counters by reason: the usual reasons' are
    /// made at init, an exporter's own reasons the first time they are published.
    private struct State {
        let factory: any MetricsFactory
        let dimensions: [(String, String)]
        var published = ReporterCounters.Totals()
        var droppedPublished: [DropReason: Int] = [:]
        var droppedCounters: [DropReason: Counter] = [:]
    }

    private let delivered: Counter
    private let truncated: Counter
    private let queueSpans: Gauge
    private let queueBytes: Gauge
    private let retries: Counter
    private let succeededRequests: Counter
    private let failedRequests: Counter
    private let requestBytes: Counter

    /// Makes every metric now, with the factory bound to the calling task
    /// (`withMetricsFactory`) or else the bootstrapped one, so that later publications on the
    /// export thread use the same backend.
    init(exporterName: String, extraLabels: [String: String], counters: ReporterCounters, queue: SpanQueue) {
        self.counters = counters
        self.queue = queue
        let factory = MetricsSystem.factory
        // Sorted, so that the same configuration always yields the same label order.
        let dimensions = [("exporter", exporterName)] + extraLabels.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        func counter(_ label: String, _ more: [(String, String)] = []) -> Counter {
            Counter(label: label, dimensions: dimensions + more, factory: factory)
        }
        delivered = counter(Self.spansLabel, [("result", "delivered"), ("reason", Self.deliveredReason)])
        truncated = counter(Self.truncatedLabel)
        queueSpans = Gauge(label: Self.queueSpansLabel, dimensions: dimensions, factory: factory)
        queueBytes = Gauge(label: Self.queueBytesLabel, dimensions: dimensions, factory: factory)
        retries = counter(Self.retriesLabel)
        succeededRequests = counter(Self.requestsLabel, [("outcome", "success")])
        failedRequests = counter(Self.requestsLabel, [("outcome", "failure")])
        requestBytes = counter(Self.requestBytesLabel)
        var droppedCounters: [DropReason: Counter] = [:]
        for reason in ReporterCounters.knownDropReasons {
            droppedCounters[reason] = counter(Self.spansLabel, Self.dropDimensions(reason))
        }
        state = LockedValue(State(factory: factory, dimensions: dimensions, droppedCounters: droppedCounters))
    }

    private static func dropDimensions(_ reason: DropReason) -> [(String, String)] {
        [("result", "dropped"), ("reason", reason.name)]
    }

    /// Publishes what the counters gained since the last publication, and the queue's size.
    /// Safe from any thread; publications are serialized, so nothing is counted twice.
    func publish() {
        state.withLock { state in
            let totals = counters.totals
            Self.increment(delivered, from: state.published.delivered, to: totals.delivered)
            Self.increment(truncated, from: state.published.truncated, to: totals.truncated)
            Self.increment(retries, from: state.published.retries, to: totals.retries)
            Self.increment(succeededRequests, from: state.published.succeededRequests, to: totals.succeededRequests)
            Self.increment(failedRequests, from: state.published.failedRequests, to: totals.failedRequests)
            Self.increment(requestBytes, from: state.published.requestBytes, to: totals.requestBytes)
            state.published = totals
            counters.forEachDrop { reason, count in
                let before = state.droppedPublished[reason] ?? 0
                guard count > before else { return }
                let counter: Counter
                if let existing = state.droppedCounters[reason] {
                    counter = existing
                } else {
                    counter = Counter(
                        label: Self.spansLabel, dimensions: state.dimensions + Self.dropDimensions(reason),
                        factory: state.factory)
                    state.droppedCounters[reason] = counter
                }
                counter.increment(by: count - before)
                state.droppedPublished[reason] = count
            }
            queueSpans.record(queue.queuedCount)
            queueBytes.record(queue.queuedByteCount)
        }
    }

    /// Counters only grow, but a delta is checked anyway: a counter must never go down.
    private static func increment(_ counter: Counter, from before: Int, to after: Int) {
        if after > before { counter.increment(by: after - before) }
    }
}
