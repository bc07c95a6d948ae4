/// What a flush or close achieved.
public struct FlushResult: Sendable, Hashable {
    /// Spans delivered during the flush.
    public var delivered: Int
    /// Spans dropped during the flush (for example because the deadline passed).
    public var dropped: Int
    /// Spans still queued when the flush returned (0 after a close).
    public var pending: Int

    /// Creates a result.
    public init(delivered: Int = 0, dropped: Int = 0, pending: Int = 0) {
        self.delivered = delivered
        self.dropped = dropped
        self.pending = pending
    }

    /// Whether everything queued was delivered.
    public var isComplete: Bool { dropped == 0 && pending == 0 }
}
