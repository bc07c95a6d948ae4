/// A causal link from a span to another (`span.proto` `SpanRef`).
public struct SpanReference: Sendable, Hashable {
    /// How the span relates to the referenced one.
    public enum Kind: Int32, Sendable, Hashable {
        /// The referenced span is the parent.
        case childOf = 0
        /// The referenced span caused this one but does not wait for it.
        case followsFrom = 1
    }

    /// How the span relates to the referenced one.
    public var kind: Kind
    /// The referenced span's trace.
    public var traceID: UInt64
    /// The referenced span.
    public var spanID: UInt64

    /// Creates a reference.
    public init(kind: Kind, traceID: UInt64, spanID: UInt64) {
        self.kind = kind
        self.traceID = traceID
        self.spanID = spanID
    }
}
