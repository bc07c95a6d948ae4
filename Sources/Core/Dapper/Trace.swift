/// A span: one timed operation in a trace, as the Go original's `Trace` interface.
///
/// A span is a cheap handle and `Sendable`: copy it, pass it to other tasks, call it from
/// several at once. After ``finish(error:)`` every call is a harmless no-op.
///
/// ```swift
/// let root = tracer.new("/api/user/info")
/// root.setTag("http.method", "GET")
/// let call = root.fork("", "redis.get")
/// call.finish()
/// root.finish()
/// ```
public protocol Trace: Sendable {
    /// The span's context, `nil` for a no-op span.
    var context: SpanContext? { get }

    /// A child span in the same trace, of kind `client`: an outgoing call.
    ///
    /// - Parameters:
    ///   - serviceName: unused, as in the original; kept for its signature.
    ///   - operationName: what the child measures.
    func fork(_ serviceName: String, _ operationName: String) -> Self

    /// A child span in the same trace, of kind `producer`: work that the caller does not wait for.
    func follow(_ serviceName: String, _ operationName: String) -> Self

    /// Adds a tag; ignored when the span is not recorded (neither sampled nor debug).
    ///
    /// At most 128 tags are kept: the tag that reaches 128 brings a marker tag
    /// `trace.error = "too many tags"`, and later tags are dropped.
    @discardableResult
    func setTag(_ tag: SpanTag) -> Self

    /// Adds one log entry stamped with the current time; ignored when the span is not recorded.
    ///
    /// At most 256 entries are kept, then one marker entry `trace.error = "too many logs"` (257 in
    /// all, as in the original); later entries are dropped.
    @discardableResult
    func setLog(_ fields: SpanLogFields) -> Self

    /// Renames the span.
    func setTitle(_ operationName: String)

    /// Calls `body` with each key and value to propagate: `kratos-trace-id` and the context's
    /// text. A no-op span propagates nothing.
    func visit(_ body: (_ key: String, _ value: String) -> Void)

    /// Ends the span: records its duration, marks it with `error=true` and a `message` log when
    /// `error` is given, and reports it if it is sampled. Later calls do nothing.
    func finish(error: (any Error)?)
}

extension Trace {
    /// The propagated text of the span's context (`traceid:spanid:parentid:flags`), as the
    /// original's `TraceID()`; empty for a no-op span.
    public var traceID: String { context?.description ?? "" }

    /// Ends the span without an error.
    @inlinable
    public func finish() { finish(error: nil) }

    /// Whether the span records tags and logs and will be reported: its trace is sampled or
    /// debugged.
    public var isRecording: Bool {
        guard let context else { return false }
        return context.isSampled || context.isDebug
    }

    /// Adds a string tag.
    @inlinable @discardableResult
    public func setTag(_ key: String, _ value: String) -> Self { setTag(SpanTag(key: key, value: .string(value))) }

    /// Adds an integer tag.
    @inlinable @discardableResult
    public func setTag(_ key: String, _ value: Int) -> Self { setTag(SpanTag(key: key, value: .int(Int64(value)))) }

    /// Adds an integer tag.
    @inlinable @discardableResult
    public func setTag(_ key: String, _ value: Int32) -> Self { setTag(SpanTag(key: key, value: .int(Int64(value)))) }

    /// Adds an integer tag.
    @inlinable @discardableResult
    public func setTag(_ key: String, _ value: Int64) -> Self { setTag(SpanTag(key: key, value: .int(value))) }

    /// Adds a boolean tag.
    @inlinable @discardableResult
    public func setTag(_ key: String, _ value: Bool) -> Self { setTag(SpanTag(key: key, value: .bool(value))) }

    /// Adds a floating-point tag (carried as a Double).
    @inlinable @discardableResult
    public func setTag(_ key: String, _ value: Float) -> Self { setTag(SpanTag(key: key, value: .double(Double(value)))) }

    /// Adds a floating-point tag.
    @inlinable @discardableResult
    public func setTag(_ key: String, _ value: Double) -> Self { setTag(SpanTag(key: key, value: .double(value))) }

    /// Adds several tags, in order.
    @discardableResult
    public func setTag(_ first: SpanTag, _ second: SpanTag, _ more: SpanTag...) -> Self {
        setTag(first)
        setTag(second)
        for tag in more { setTag(tag) }
        return self
    }

    /// Adds one log entry with the given fields.
    @discardableResult
    public func setLog(_ fields: SpanLogField...) -> Self { setLog(SpanLogFields(fields)) }

    /// Adds one log entry with one field.
    @discardableResult
    public func setLog(_ key: String, _ value: String) -> Self {
        setLog(SpanLogFields(SpanLogField(key: key, value: value)))
    }
}
