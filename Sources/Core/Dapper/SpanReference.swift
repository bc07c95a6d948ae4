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
    /// The referenced span's trace: the low 64 bits of its ID, which `span.proto` carries.
    public var traceID: UInt64
    /// The referenced span.
    public var spanID: UInt64
    /// The high 64 bits of the referenced trace's ID, 0 for a 64-bit one (see
    /// ``SpanContext/traceIDHigh``); OTLP links carry it, `span.proto` does not.
    public var traceIDHigh: UInt64

    /// Creates a reference.
    public init(kind: Kind, traceID: UInt64, traceIDHigh: UInt64 = 0, spanID: UInt64) {
        self.kind = kind
        self.traceID = traceID
        self.spanID = spanID
        self.traceIDHigh = traceIDHigh
    }
}
