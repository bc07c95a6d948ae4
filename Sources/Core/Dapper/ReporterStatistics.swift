/// Counters of a reporter: what it took, delivered and dropped, with the reason of every drop.
public struct ReporterStatistics: Sendable, Hashable {
    /// Spans handed to ``Reporter/report(_:)``.
    public var reported: Int
    /// Spans delivered to the destination.
    public var delivered: Int
    /// Spans dropped, by reason.
    public var dropped: [DropReason: Int]
    /// Spans delivered shrunk to fit a size limit (they carry `trace.error = "span truncated"`);
    /// also counted in ``delivered``.
    public var truncated: Int

    /// Creates statistics.
    public init(reported: Int = 0, delivered: Int = 0, dropped: [DropReason: Int] = [:], truncated: Int = 0) {
        self.reported = reported
        self.delivered = delivered
        self.dropped = dropped
        self.truncated = truncated
    }

    /// Spans dropped, all reasons together.
    public var totalDropped: Int { dropped.values.reduce(0, +) }
}
