import Synchronization

/// The span that the current task is working in: the Swift counterpart of the original's
/// `trace.FromContext(ctx)`; `nil` outside ``withCurrentTrace(_:_:)``.
///
/// Where an instrumentation API keeps its own current span (DapperTracing's
/// swift-distributed-tracing bridge, inside `withSpan` or a Hummingbird or gRPC server span),
/// that span is the current trace when no ``withCurrentTrace(_:_:)`` is open inside it.
public var currentTrace: (any Trace)? { CurrentTraceStorage.value ?? CurrentTraceFallback.trace }

/// The current trace of Dapper's own API only (``withCurrentTrace(_:_:)``), for an
/// instrumentation API that continues it. A process that never calls `withCurrentTrace`
/// pays no task-local lookup here.
package var currentTraceOfDapperAPI: (any Trace)? {
    CurrentTraceStorage.isUsed.load(ordering: .relaxed) ? CurrentTraceStorage.value : nil
}

private enum CurrentTraceStorage {
    @TaskLocal static var value: (any Trace)?

    /// Set by the first ``withCurrentTrace(_:_:)``. A task that sees a current trace was
    /// created after its parent set this, so the relaxed load sees it too.
    static let isUsed = Atomic<Bool>(false)

    static func markUsed() {
        if !isUsed.load(ordering: .relaxed) { isUsed.store(true, ordering: .relaxed) }
    }
}

/// Runs `body` with `trace` as ``currentTrace``: the counterpart of `trace.NewContext`.
public func withCurrentTrace<Result>(_ trace: any Trace, _ body: () throws -> Result) rethrows -> Result {
    CurrentTraceStorage.markUsed()
    return try CurrentTraceStorage.$value.withValue(trace, operation: body)
}

/// Runs `body` with `trace` as ``currentTrace`` (asynchronous).
public func withCurrentTrace<Result>(
    _ trace: any Trace,
    isolation: isolated (any Actor)? = #isolation,
    _ body: () async throws -> Result
) async rethrows -> Result {
    CurrentTraceStorage.markUsed()
    return try await CurrentTraceStorage.$value.withValue(trace, operation: body, isolation: isolation)
}

/// Runs `body` in a new span named `operationName`: a child (``Trace/fork(_:_:)``) of
/// ``currentTrace``, or a new trace of the process-wide tracer when there is none. The span
/// is the current trace inside `body`, and is finished when `body` returns, with the error
/// when it throws.
@discardableResult
public func withTrace<Result>(_ operationName: String, _ body: (any Trace) throws -> Result) rethrows -> Result {
    let trace = currentTrace?.fork("", operationName) ?? globalTracer.new(operationName, debug: false)
    do {
        let result = try withCurrentTrace(trace) { try body(trace) }
        trace.finish()
        return result
    } catch {
        trace.finish(error: error)
        throw error
    }
}

/// Runs `body` in a new span named `operationName` (asynchronous); see ``withTrace(_:_:)``.
@discardableResult
public func withTrace<Result>(
    _ operationName: String,
    isolation: isolated (any Actor)? = #isolation,
    _ body: (any Trace) async throws -> Result
) async rethrows -> Result {
    let trace = currentTrace?.fork("", operationName) ?? globalTracer.new(operationName, debug: false)
    do {
        let result = try await withCurrentTrace(trace, isolation: isolation) { try await body(trace) }
        trace.finish()
        return result
    } catch {
        trace.finish(error: error)
        throw error
    }
}
