/// Receives finished spans and delivers them somewhere: a local agent, Zipkin, memory.
///
/// The tracer calls ``report(_:)`` on the thread that finished the span, for sampled spans
/// only. An implementation must return quickly and must never block the caller: queue the
/// span (or its encoded bytes) and deliver it elsewhere, and when it cannot keep up, drop it
/// and count the drop. ``flush(timeout:)`` and ``close(timeout:)`` wait for what is queued.
public protocol Reporter: Sendable {
    /// Takes a finished span. Must not block.
    func report(_ span: FinishedSpan)

    /// Delivers what is queued, waiting at most `timeout`.
    func flush(timeout: Duration) async -> FlushResult

    /// Delivers what is queued, waiting at most `timeout`, then stops; later spans are
    /// dropped and counted as ``DropReason/closed``.
    func close(timeout: Duration) async -> FlushResult

    /// What the reporter has delivered and dropped so far.
    var statistics: ReporterStatistics { get }
}

extension Reporter {
    /// Delivers what is queued, waiting at most one second.
    public func flush() async -> FlushResult { await flush(timeout: .seconds(1)) }

    /// Delivers what is queued, waiting at most one second, then stops.
    public func close() async -> FlushResult { await close(timeout: .seconds(1)) }
}

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

/// Why a reporter dropped a span. Every drop has one, and reporters count them.
public struct DropReason: Sendable, Hashable, CustomStringConvertible {
    /// A short, stable name, for example `queue_full`.
    public let name: String

    /// Creates a reason; prefer the predefined ones.
    public init(_ name: String) { self.name = name }

    public var description: String { name }

    /// The reporter's queue was full.
    public static let queueFull = DropReason("queue_full")
    /// The span was too large to send even after shrinking.
    public static let oversize = DropReason("oversize")
    /// No connection to the destination.
    public static let notConnected = DropReason("not_connected")
    /// Writing to the destination failed.
    public static let writeError = DropReason("write_error")
    /// The reporter was closed.
    public static let closed = DropReason("closed")
    /// The destination rejected the span (for example an HTTP 4xx answer).
    public static let rejected = DropReason("rejected")
    /// The destination did not answer in time, and retries were exhausted.
    public static let timeout = DropReason("timeout")
    /// The span could not be encoded.
    public static let encodingError = DropReason("encoding_error")
}

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

/// A reporter that drops every span without counting it as a loss: for services that only
/// propagate traces, and for measuring the tracer itself.
public struct DiscardingReporter: Reporter {
    /// Creates the reporter.
    public init() {}

    public func report(_ span: FinishedSpan) {}
    public func flush(timeout: Duration) async -> FlushResult { FlushResult() }
    public func close(timeout: Duration) async -> FlushResult { FlushResult() }
    public var statistics: ReporterStatistics { ReporterStatistics() }
}
