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
