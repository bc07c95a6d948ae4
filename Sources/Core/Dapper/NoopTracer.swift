/// A tracer that records nothing: every span is ``DapperSpan/noop``. The process-wide tracer
/// until ``setGlobalTracer(_:)`` is called.
public struct NoopTracer: Tracer {
    /// Creates the tracer.
    public init() {}

    public func new(_ operationName: String, debug: Bool) -> DapperSpan { .noop }

    /// Returns the no-op span: a service without tracing still serves traced requests.
    public func extract(from carrier: some Carrier) throws(ExtractError) -> DapperSpan { .noop }

    public func flush(timeout: Duration) async -> FlushResult { FlushResult() }
    public func close(timeout: Duration) async -> FlushResult { FlushResult() }
}
