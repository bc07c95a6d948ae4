/// A timestamped event in a span: a few key/value text fields (Compatibility §4).
public struct SpanLog: Sendable, Hashable {
    /// When the event happened, in nanoseconds since the Unix epoch.
    public var timestampNanos: Int64
    /// The event's fields, in the order they were given.
    public var fields: SpanLogFields

    /// Creates a log entry.
    public init(timestampNanos: Int64, fields: SpanLogFields) {
        self.timestampNanos = timestampNanos
        self.fields = fields
    }
}
