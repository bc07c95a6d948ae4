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
    /// this is `nil`, the pipeline drops them as ``/Dapper/DropReason/writeError``.
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
