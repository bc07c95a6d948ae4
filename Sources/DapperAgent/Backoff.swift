/// Capped exponential backoff between reconnection attempts: 100 ms, 200 ms, 400 ms … 5 s.
struct Backoff: Sendable {
    let minimum: Duration
    let maximum: Duration
    private(set) var current: Duration

    init(minimum: Duration = .milliseconds(100), maximum: Duration = .seconds(5)) {
        self.minimum = minimum
        self.maximum = max(minimum, maximum)
        current = minimum
    }

    /// The wait before the next attempt; each call doubles the following one, up to the cap.
    mutating func next() -> Duration {
        defer { current = min(current * 2, maximum) }
        return current
    }

    /// After a success: start again from the minimum.
    mutating func reset() { current = minimum }
}
