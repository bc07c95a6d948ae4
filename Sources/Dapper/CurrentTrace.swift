/// The span that the current task is working in: the Swift counterpart of the original's
/// `trace.FromContext(ctx)`; `nil` outside ``withCurrentTrace(_:_:)``.
public var currentTrace: (any Trace)? { CurrentTraceStorage.value }

private enum CurrentTraceStorage {
    @TaskLocal static var value: (any Trace)?
}

/// Runs `body` with `trace` as ``currentTrace``: the counterpart of `trace.NewContext`.
public func withCurrentTrace<Result>(_ trace: any Trace, _ body: () throws -> Result) rethrows -> Result {
    try CurrentTraceStorage.$value.withValue(trace, operation: body)
}

/// Runs `body` with `trace` as ``currentTrace`` (asynchronous).
public func withCurrentTrace<Result>(
    _ trace: any Trace,
    isolation: isolated (any Actor)? = #isolation,
    _ body: () async throws -> Result
) async rethrows -> Result {
    try await CurrentTraceStorage.$value.withValue(trace, operation: body, isolation: isolation)
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
