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
