import Dapper

/// What an export did with its batch, for ``BatchingReporter`` to count and, when allowed,
/// to try again.
///
/// The spans of a batch are accounted for in order: the first ``delivered`` + ``dropped``
/// spans were handled (delivered, or dropped for good with a reason), and the spans after
/// them failed with ``failure`` (all of them, or the failure's ``ExportFailure/count``, the
/// others not being tried). An export that delivered half a batch and then lost its
/// connection returns `delivered: half` and a failure for the other half; one that dropped a
/// span as oversize in the middle of a batch and sent the others returns both counts and no
/// failure. A plain value, free of allocation for up to three drop reasons per batch.
public struct ExportResult: Sendable, Hashable {
    /// Spans delivered to the destination.
    public var delivered: Int
    /// Of the delivered spans, those shrunk to fit a size limit.
    public var truncated: Int
    /// Spans dropped for good, by reason: the pipeline counts them and does not retry them.
    public var dropped: DropCounts
    /// Why the spans after the delivered and dropped ones were not sent, and whether they may
    /// be tried again. `nil` when every span was delivered or dropped; when spans remain and
    /// this is `nil`, the pipeline drops them as ``Dapper/DropReason/writeError``.
    public var failure: ExportFailure?
    /// Requests (messages, posts) the export made that the destination accepted, for the
    /// reporter's metrics (`dapper_reporter_requests_total`, `outcome="success"`); 0 for an
    /// exporter that has no notion of requests.
    public var succeededRequests = 0
    /// Requests the export made that failed, whatever the reason (the network, a timeout, an
    /// error answer) and whether or not they are tried again (`outcome="failure"`).
    public var failedRequests = 0
    /// Bytes of the accepted requests' bodies (`dapper_reporter_request_bytes_total`).
    public var requestBytes = 0

    /// Creates a result.
    public init(delivered: Int = 0, truncated: Int = 0, dropped: DropCounts = DropCounts(), failure: ExportFailure? = nil) {
        self.delivered = delivered
        self.truncated = truncated
        self.dropped = dropped
        self.failure = failure
    }

    /// Every one of `count` spans was delivered, `truncated` of them shrunk.
    public static func delivered(_ count: Int, truncated: Int = 0) -> ExportResult {
        ExportResult(delivered: count, truncated: truncated)
    }

    /// Nothing was delivered: the whole batch failed for `reason`.
    public static func failed(reason: DropReason, retry: RetryAdvice) -> ExportResult {
        ExportResult(failure: ExportFailure(reason: reason, retry: retry))
    }

    /// Counts `count` more spans delivered, `truncated` of them shrunk.
    public mutating func deliver(_ count: Int, truncated: Int = 0) {
        delivered += count
        self.truncated += truncated
    }

    /// Counts one request: accepted by the destination (with a body of `bytes`), or failed.
    public mutating func countRequest(succeeded: Bool, bytes: Int = 0) {
        if succeeded {
            succeededRequests += 1
            requestBytes += bytes
        } else {
            failedRequests += 1
        }
    }

    /// Counts `count` more spans dropped for good for `reason`.
    public mutating func drop(_ reason: DropReason, _ count: Int = 1) {
        dropped.add(reason, count)
    }
}

/// Why an export failed, and whether the pipeline may try the failed spans again.
public struct ExportFailure: Sendable, Hashable {
    /// The reason the spans are counted under if they are not tried again, or if the tries
    /// run out (``BatchingConfiguration/maximumAttempts``).
    public var reason: DropReason
    /// Whether and when to try again.
    public var retry: RetryAdvice
    /// How many of the spans after the delivered and dropped ones the failure is about:
    /// `nil` for all of them. An exporter that sends a batch in several requests and stops
    /// at the first that fails sets it to that request's spans: the spans after them were
    /// not tried, so when the failed ones are given up, the rest is exported afresh rather
    /// than dropped with them.
    public var count: Int?

    /// Creates a failure.
    public init(reason: DropReason, retry: RetryAdvice, count: Int? = nil) {
        self.reason = reason
        self.retry = retry
        self.count = count
    }
}

/// Whether a failed export may be tried again.
public enum RetryAdvice: Sendable, Hashable {
    /// Trying again cannot help (the destination rejected the spans, the spans cannot be
    /// encoded), or the exporter's destination must not see them twice: drop them now.
    case never
    /// Try again after the pipeline's backoff (``BatchingConfiguration/minimumRetryDelay``,
    /// doubling up to ``BatchingConfiguration/maximumRetryDelay``).
    case afterBackoff
    /// Try again after the given wait (an HTTP `Retry-After`), capped by
    /// ``BatchingConfiguration/maximumRetryDelay``.
    case after(Duration)
}

/// Spans dropped, by reason: three reasons are held inline, any further ones in a dictionary,
/// so that counting the usual drops of a batch allocates nothing.
public struct DropCounts: Sendable, Hashable {
    private var first: Entry?
    private var second: Entry?
    private var third: Entry?
    private var more: [DropReason: Int] = [:]

    private struct Entry: Sendable, Hashable {
        var reason: DropReason
        var count: Int
    }

    /// No drops.
    public init() {}

    /// Adds `count` drops for `reason`; counts of 0 or less are ignored.
    public mutating func add(_ reason: DropReason, _ count: Int = 1) {
        guard count > 0 else { return }
        if first == nil || first?.reason == reason {
            first = Entry(reason: reason, count: (first?.count ?? 0) + count)
        } else if second == nil || second?.reason == reason {
            second = Entry(reason: reason, count: (second?.count ?? 0) + count)
        } else if third == nil || third?.reason == reason {
            third = Entry(reason: reason, count: (third?.count ?? 0) + count)
        } else {
            more[reason, default: 0] += count
        }
    }

    /// Drops for `reason` so far.
    public subscript(reason: DropReason) -> Int {
        if let first, first.reason == reason { return first.count }
        if let second, second.reason == reason { return second.count }
        if let third, third.reason == reason { return third.count }
        return more[reason] ?? 0
    }

    /// Drops of all reasons together.
    public var total: Int {
        (first?.count ?? 0) + (second?.count ?? 0) + (third?.count ?? 0) + more.values.reduce(0, +)
    }

    /// Calls `body` for each reason and its count, without allocating.
    public func forEach(_ body: (DropReason, Int) -> Void) {
        if let first { body(first.reason, first.count) }
        if let second { body(second.reason, second.count) }
        if let third { body(third.reason, third.count) }
        for (reason, count) in more { body(reason, count) }
    }
}
