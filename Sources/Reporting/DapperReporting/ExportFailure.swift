import Dapper

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
