/// A finished span as reporters receive it: everything `span.proto` and Zipkin carry.
///
/// A plain value: reporters may keep it, encode it, or drop it. Its arrays share storage
/// with the recycled span that produced it until one side changes (copy on write), so
/// handing it to a reporter that encodes and forgets it allocates nothing.
public struct FinishedSpan: Sendable, Hashable {
    /// The service that recorded the span.
    public var serviceName: String
    /// What the span measured, for example a route or an RPC method.
    public var operationName: String
    /// The span's identity; ``SpanContext/probability`` is the sampling probability.
    public var context: SpanContext
    /// The wall-clock start, in nanoseconds since the Unix epoch.
    public var startTimeNanos: Int64
    /// The duration, in nanoseconds, from a monotonic clock.
    public var durationNanos: Int64
    /// The tags, in the order they were set: the tracer's default tags, `span.kind`, then the
    /// caller's.
    public var tags: SpanTags
    /// The log entries, in the order they were made.
    public var logs: [SpanLog]
    /// Causal links to other spans (`span.proto` `references`).
    public var references: [SpanReference]

    /// Creates a finished span from its fields.
    public init(
        serviceName: String,
        operationName: String,
        context: SpanContext,
        startTimeNanos: Int64,
        durationNanos: Int64,
        tags: SpanTags = [],
        logs: [SpanLog] = [],
        references: [SpanReference] = []
    ) {
        self.serviceName = serviceName
        self.operationName = operationName
        self.context = context
        self.startTimeNanos = startTimeNanos
        self.durationNanos = durationNanos
        self.tags = tags
        self.logs = logs
        self.references = references
    }

    /// The value of the first tag named `key`, if any.
    public func tag(_ key: String) -> SpanTagValue? {
        tags.first { $0.key == key }?.value
    }

    /// The span's kind from its last `span.kind` tag, if any.
    public var kind: String? {
        if case .string(let kind)? = tags.last(where: { $0.key == SpanTagKey.spanKind })?.value { return kind }
        return nil
    }
}
