/// A key and a typed value attached to a span (Compatibility §4).
public struct SpanTag: Sendable, Hashable {
    /// The tag's name, for example `http.method`.
    public var key: String
    /// The tag's value.
    public var value: SpanTagValue

    /// Creates a tag.
    public init(key: String, value: SpanTagValue) {
        self.key = key
        self.value = value
    }
}
