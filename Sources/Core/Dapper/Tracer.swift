/// Starts traces and moves their context across process boundaries, as the original's
/// `Tracer` interface; also flushes and closes what it reports to.
///
/// ``DapperTracer`` is the implementation; ``NoopTracer`` the default of the process-wide
/// tracer. Implement it to put another tracing system behind the module-level functions
/// (``newTrace(_:debug:)``, ``injectTrace(_:into:)``, ``extractTrace(from:)``).
public protocol Tracer: Sendable {
    /// The tracer's span type.
    associatedtype Span: Trace

    /// Starts a new trace: a root span of kind `server`, sampled as the tracer's sampler
    /// decides. `debug` marks the trace for debugging, which records and reports it whatever
    /// the sampler said.
    func new(_ operationName: String, debug: Bool) -> Span

    /// Writes the span's context into `carrier` (`kratos-trace-id`); a no-op span writes nothing.
    func inject(_ trace: some Trace, into carrier: inout some Carrier)

    /// Continues a trace from `carrier`: a child of the remote span, of kind `server`, with an
    /// empty operation name (set it with ``Trace/setTitle(_:)``).
    ///
    /// - Throws: ``ExtractError``: start a new trace with ``new(_:debug:)`` instead.
    func extract(from carrier: some Carrier) throws(ExtractError) -> Span

    /// Delivers what the tracer's reporter has queued, waiting at most `timeout`.
    func flush(timeout: Duration) async -> FlushResult

    /// Flushes, then closes the reporter.
    func close(timeout: Duration) async -> FlushResult
}

extension Tracer {
    /// Starts a new trace (not debugged).
    public func new(_ operationName: String) -> Span { new(operationName, debug: false) }

    /// Writes the span's propagation values (``Trace/visit(_:)``) into `carrier`.
    public func inject(_ trace: some Trace, into carrier: inout some Carrier) {
        trace.visit { key, value in carrier.set(key, value) }
    }
}
