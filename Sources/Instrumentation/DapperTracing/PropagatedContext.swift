#if DistributedTracing  // a package trait, on by default (README, "Installation")
import Dapper

/// The part of a span context that crosses a process boundary: the trace, the span that
/// becomes the parent, and the flags.
///
/// A `ServiceContext` keeps it as a ``DapperTraceValue``, which stores it in fewer bytes.
struct PropagatedContext: Sendable, Hashable {
    /// The low 64 bits of the trace ID (`SpanContext.traceID`).
    var traceID: UInt64
    var spanID: UInt64
    /// `SpanContext.Flags` raw value.
    var flags: UInt8
    /// The peer left the sampling decision to us (B3 without `X-B3-Sampled`).
    var samplingDeferred: Bool
    /// The high 64 bits of a 128-bit trace ID, 0 for a 64-bit one (`SpanContext.traceIDHigh`).
    var traceIDHigh: UInt64

    init(
        traceID: UInt64, traceIDHigh: UInt64 = 0, spanID: UInt64, flags: SpanContext.Flags,
        samplingDeferred: Bool = false
    ) {
        self.traceID = traceID
        self.spanID = spanID
        self.flags = flags.rawValue
        self.samplingDeferred = samplingDeferred
        self.traceIDHigh = traceIDHigh
    }

    init(_ context: SpanContext) {
        self.init(traceID: context.traceID, traceIDHigh: context.traceIDHigh, spanID: context.spanID, flags: context.flags)
    }

    /// A peer's sampling decision without a trace to continue (B3's `b3: 0`, or `X-B3-Sampled`
    /// without `X-B3-TraceId`): the next span starts a new trace with these flags.
    static func decisionOnly(_ flags: SpanContext.Flags) -> PropagatedContext {
        PropagatedContext(traceID: 0, spanID: 0, flags: flags)
    }

    /// Whether this is a decision without a trace (``decisionOnly(_:)``).
    var isDecisionOnly: Bool { traceID == 0 }

    var spanFlags: SpanContext.Flags { SpanContext.Flags(rawValue: flags) }
    var isSampled: Bool { spanFlags.contains(.sampled) }
    var isDebug: Bool { spanFlags.contains(.debug) }

    /// As a span context (parent 0: the parent of a propagated span is not carried).
    var spanContext: SpanContext {
        SpanContext(traceID: traceID, traceIDHigh: traceIDHigh, spanID: spanID, parentID: 0, flags: spanFlags)
    }
}
#endif
