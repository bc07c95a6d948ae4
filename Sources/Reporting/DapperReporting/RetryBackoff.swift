/// Capped exponential backoff, with optional jitter: 100 ms, 200 ms, 400 ms … up to a cap.
///
/// What ``BatchingReporter`` waits between two tries of a batch, and what an exporter can use
/// between connection attempts of its own (the agent exporter reconnects with it).
///
/// Jitter spreads the retries of many processes that failed together: with a jitter of `j`,
/// each wait is drawn uniformly from `[(1 - j) × d, d]`, where `d` is the capped exponential
/// delay; 0 (the default) gives the exact sequence.
public struct RetryBackoff: Sendable, Hashable {
    /// The first wait.
    public let minimum: Duration
    /// The longest wait: at least ``minimum``.
    public let maximum: Duration
    /// The fraction of each wait that is random, between 0 and 1.
    public let jitter: Double
    /// The capped delay the next call to ``next()`` is drawn from.
    public private(set) var current: Duration

    /// Creates a backoff starting at `minimum`, doubling up to `maximum`.
    ///
    /// A `maximum` below `minimum` is read as `minimum`; a `jitter` outside 0...1 (or NaN) is
    /// clamped into it.
    public init(minimum: Duration = .milliseconds(100), maximum: Duration = .seconds(5), jitter: Double = 0) {
        self.minimum = max(.zero, minimum)
        self.maximum = max(self.minimum, maximum)
        self.jitter = jitter.isNaN ? 0 : min(1, max(0, jitter))
        current = self.minimum
    }

    /// The wait before the next attempt; each call doubles the following one, up to the cap.
    public mutating func next() -> Duration {
        defer { current = min(current * 2, maximum) }
        guard jitter > 0, current > .zero else { return current }
        var random = SystemRandomNumberGenerator()
        return current * (1 - jitter * Double.random(in: 0...1, using: &random))
    }

    /// After a success: start again from the minimum.
    public mutating func reset() { current = minimum }
}
