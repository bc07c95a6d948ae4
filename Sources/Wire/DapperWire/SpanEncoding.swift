/// What the encoder had to leave out of a span to fit it in ``SpanEncoder/maximumSize``.
public struct SpanEncoding: Sendable, Hashable {
    /// Log entries dropped from the end of the span.
    public var droppedLogs: Int = 0
    /// Tags dropped from the end of the span.
    public var droppedTags: Int = 0
    /// References dropped from the end of the span (after the logs, before the tags).
    public var droppedReferences: Int = 0

    /// Whether the span was shrunk (and so carries `trace.error = "span truncated"`).
    public var isTruncated: Bool { droppedLogs > 0 || droppedTags > 0 || droppedReferences > 0 }

    /// Creates the value of a complete encoding.
    public init(droppedLogs: Int = 0, droppedTags: Int = 0, droppedReferences: Int = 0) {
        self.droppedLogs = droppedLogs
        self.droppedTags = droppedTags
        self.droppedReferences = droppedReferences
    }
}
