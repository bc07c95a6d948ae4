/// One key/value field of a log entry.
public struct SpanLogField: Sendable, Hashable {
    /// The field's name, for example `event` or `message`.
    public var key: String
    /// The field's text.
    public var value: String

    /// Creates a field.
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}
