import Dapper

/// A reporter that keeps every span in memory, for tests: the counterpart of the original's
/// `mocktrace`.
///
/// ```swift
/// let reporter = InMemoryReporter()
/// let tracer = DapperTracer(serviceName: "test", reporter: reporter, sampler: .always)
/// tracer.new("op").finish()
/// #expect(reporter.spans.map(\.operationName) == ["op"])
/// ```
public final class InMemoryReporter: Reporter {
    private struct State {
        var spans: [FinishedSpan] = []
        var isClosed = false
        var statistics = ReporterStatistics()
    }

    private let state = LockedValue(State())

    /// Creates an empty reporter.
    public init() {}

    /// The spans reported so far, in the order they finished.
    public var spans: [FinishedSpan] { state.withLock { $0.spans } }

    /// Forgets the spans reported so far.
    public func clear() { state.withLock { $0.spans.removeAll() } }

    /// Whether ``close(timeout:)`` was called.
    public var isClosed: Bool { state.withLock { $0.isClosed } }

    public func report(_ span: FinishedSpan) {
        state.withLock { state in
            state.statistics.reported += 1
            if state.isClosed {
                state.statistics.dropped[.closed, default: 0] += 1
            } else {
                state.spans.append(span)
                state.statistics.delivered += 1
            }
        }
    }

    public func flush(timeout: Duration) async -> FlushResult { FlushResult() }

    public func close(timeout: Duration) async -> FlushResult {
        state.withLock { $0.isClosed = true }
        return FlushResult()
    }

    public var statistics: ReporterStatistics { state.withLock { $0.statistics } }
}
