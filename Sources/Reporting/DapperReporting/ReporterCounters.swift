import Dapper
import Synchronization

/// The counters behind a reporter's ``ReporterStatistics``: atomics, so that the caller's
/// thread and the reporter's delivery thread count without a lock.
///
/// Spans move through them as reported → (queued) → delivered or dropped with a reason.
final class ReporterCounters: Sendable {
    private let reportedCount = Atomic<Int>(0)
    private let deliveredCount = Atomic<Int>(0)
    private let truncatedCount = Atomic<Int>(0)
    private let queueFull = Atomic<Int>(0)
    private let oversize = Atomic<Int>(0)
    private let notConnected = Atomic<Int>(0)
    private let writeError = Atomic<Int>(0)
    private let closed = Atomic<Int>(0)
    private let rejected = Atomic<Int>(0)
    private let timeout = Atomic<Int>(0)
    private let encodingError = Atomic<Int>(0)
    private let retries = Atomic<Int>(0)
    private let succeededRequests = Atomic<Int>(0)
    private let failedRequests = Atomic<Int>(0)
    private let requestBytes = Atomic<Int>(0)
    private let otherDrops = LockedValue<[DropReason: Int]>([:])

    init() {}

    func reported(_ count: Int = 1) { reportedCount.add(count, ordering: .relaxed) }
    func delivered(_ count: Int = 1) { deliveredCount.add(count, ordering: .relaxed) }
    func truncated(_ count: Int = 1) { truncatedCount.add(count, ordering: .relaxed) }

    func dropped(_ reason: DropReason, _ count: Int = 1) {
        guard count > 0 else { return }
        if withKnownCounter(reason, { _ = $0.add(count, ordering: .relaxed) }) == nil {
            otherDrops.withLock { $0[reason, default: 0] += count }
        }
    }

    /// Runs `body` on the counter of one of ``knownDropReasons``; `nil` for any other reason.
    /// The one place that maps a reason to its counter.
    private func withKnownCounter<Result>(_ reason: DropReason, _ body: (borrowing Atomic<Int>) -> Result) -> Result? {
        switch reason {
        case .queueFull: body(queueFull)
        case .oversize: body(oversize)
        case .notConnected: body(notConnected)
        case .writeError: body(writeError)
        case .closed: body(closed)
        case .rejected: body(rejected)
        case .timeout: body(timeout)
        case .encodingError: body(encodingError)
        default: nil
        }
    }

    func retried() { retries.add(1, ordering: .relaxed) }

    var retriesTotal: Int { retries.load(ordering: .relaxed) }

    /// Requests an export reported making (``ExportResult/succeededRequests``, …).
    func requests(succeeded: Int, failed: Int, bytes: Int) {
        if succeeded > 0 { succeededRequests.add(succeeded, ordering: .relaxed) }
        if failed > 0 { failedRequests.add(failed, ordering: .relaxed) }
        if bytes > 0 { requestBytes.add(bytes, ordering: .relaxed) }
    }

    /// The counts besides drops, for the metrics.
    struct Totals {
        var delivered = 0
        var truncated = 0
        var retries = 0
        var succeededRequests = 0
        var failedRequests = 0
        var requestBytes = 0
    }

    var totals: Totals {
        Totals(
            delivered: deliveredCount.load(ordering: .relaxed),
            truncated: truncatedCount.load(ordering: .relaxed),
            retries: retries.load(ordering: .relaxed),
            succeededRequests: succeededRequests.load(ordering: .relaxed),
            failedRequests: failedRequests.load(ordering: .relaxed),
            requestBytes: requestBytes.load(ordering: .relaxed))
    }

    /// The reasons with a counter of their own: the metrics make theirs up front.
    static let knownDropReasons: [DropReason] = [
        .queueFull, .oversize, .notConnected, .writeError, .closed, .rejected, .timeout, .encodingError,
    ]

    /// Calls `body` with each reason's drops so far (the usual reasons even at 0), without
    /// building a dictionary unless an exporter's own reasons occurred.
    func forEachDrop(_ body: (DropReason, Int) -> Void) {
        for reason in Self.knownDropReasons {
            body(reason, withKnownCounter(reason) { $0.load(ordering: .relaxed) } ?? 0)
        }
        let others = otherDrops.withLock { $0 }
        for (reason, count) in others { body(reason, count) }
    }

    /// A snapshot; reasons that never occurred are left out.
    var statistics: ReporterStatistics {
        var dropped: [DropReason: Int] = [:]
        forEachDrop { reason, count in
            if count > 0 { dropped[reason] = count }
        }
        return ReporterStatistics(
            reported: reportedCount.load(ordering: .relaxed),
            delivered: deliveredCount.load(ordering: .relaxed),
            dropped: dropped,
            truncated: truncatedCount.load(ordering: .relaxed))
    }
}
