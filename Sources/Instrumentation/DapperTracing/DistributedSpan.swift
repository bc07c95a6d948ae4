#if DistributedTracing  // a package trait, on by default (README, "Installation")
import Dapper
import Instrumentation
import Tracing

/// The span ``DapperDistributedTracer`` starts: a handle on a ``/Dapper/DapperSpan`` (or on nothing,
/// when the span is not sampled).
///
/// - `attributes` are recorded as tags (``/Dapper/SpanTag``: integers, doubles, bools and strings as
///   such; arrays and other values as text). They are write-only, as in the `NoOpTracer`:
///   reading gives an empty set, and each assignment records the attributes assigned, so
///   `span.attributes["http.status_code"] = 200` records one tag. A key set twice keeps both
///   tags in `span.proto`; Zipkin shows the last.
/// - `addEvent` adds a log entry: `event` with the event's name, then one field per attribute.
/// - `recordError` and `setStatus(.error)` set the `error=true` tag (once) and log the message,
///   as ``/Dapper/Trace/finish(error:)`` does.
/// - `addLink` adds a `FOLLOWS_FROM` reference to the linked span (`references` in
///   `span.proto`).
/// - `end(at:)` finishes the Dapper span at that instant; a second `end` does nothing.
public struct DapperDistributedSpan: Tracing.Span {
    /// The Dapper span; ``DapperSpan/noop`` when the span is not recorded.
    package let span: DapperSpan
    private let unrecordedName: String
    public let context: ServiceContext
    /// An unsampled root's context, which `end` gives back to ``UnsampledContextCache``.
    private let recyclesContext: Bool

    init(span: DapperSpan, context: ServiceContext) {
        self.span = span
        self.unrecordedName = ""
        self.context = context
        self.recyclesContext = false
    }

    init(unrecorded operationName: String, context: ServiceContext, recyclesContext: Bool = false) {
        self.span = .noop
        self.unrecordedName = operationName
        self.context = context
        self.recyclesContext = recyclesContext
    }

    /// The operation name; renaming an unrecorded span does nothing.
    public var operationName: String {
        get { span.isNoop ? unrecordedName : span.operationName ?? "" }
        nonmutating set { span.setTitle(newValue) }
    }

    public var isRecording: Bool { span.isRecordingOpen }

    public var attributes: SpanAttributes {
        get { [:] }
        nonmutating set {
            guard !span.isNoop else { return }
            newValue.forEach { name, attribute in span.setTag(SpanTag(key: name, value: SpanTagValue(attribute))) }
        }
    }

    public func setStatus(_ status: SpanStatus) {
        guard status.code == .error, !span.isNoop else { return }
        if let message = status.message {
            span.recordError(SpanLogFields(SpanLogField(key: "message", value: message)), atWallNanos: nil)
        } else {
            span.recordError([], atWallNanos: nil)
        }
    }

    public func addEvent(_ event: SpanEvent) {
        guard !span.isNoop else { return }
        var fields = [SpanLogField(key: "event", value: event.name)]
        event.attributes.forEach { name, attribute in fields.append(SpanLogField(key: name, value: attribute.text)) }
        span.setLog(SpanLogFields(fields), atWallNanos: Int64(clamping: event.nanosecondsSinceEpoch))
    }

    public func recordError<Instant: TracerInstant>(
        _ error: any Error, attributes: SpanAttributes, at instant: @autoclosure () -> Instant
    ) {
        // Describing an error is user code: only for a span that records it, and outside
        // the span's lock.
        guard span.isRecordingOpen else { return }
        let description = ErrorDescription.describe(error)
        let message = SpanLogField(key: "message", value: description.message)
        var fields: SpanLogFields
        if let stack = description.stack {
            fields = SpanLogFields(message, SpanLogField(key: "stack", value: stack))
        } else {
            fields = SpanLogFields(message)
        }
        if !attributes.isEmpty {
            var all = Array(fields)
            attributes.forEach { name, attribute in all.append(SpanLogField(key: name, value: attribute.text)) }
            fields = SpanLogFields(all)
        }
        span.recordError(fields, atWallNanos: Int64(clamping: instant().nanosecondsSinceEpoch))
    }

    public func addLink(_ link: SpanLink) {
        guard !span.isNoop, let linked = link.context.propagatedContext else { return }
        span.addReference(SpanReference(
            kind: .followsFrom, traceID: linked.traceID, traceIDHigh: linked.traceIDHigh, spanID: linked.spanID))
    }

    public func end<Instant: TracerInstant>(at instant: @autoclosure () -> Instant) {
        guard !span.isNoop else {
            // A second `end` gives it back twice: harmless, since the root that takes the
            // second copy finds it shared and copies it (copy-on-write), as without the cache.
            if recyclesContext { UnsampledContextCache.give(context) }
            return
        }
        span.finish(error: nil, endTimeNanos: Int64(clamping: instant().nanosecondsSinceEpoch))
    }
}
#endif
