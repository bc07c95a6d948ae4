#if DistributedTracing  // a package trait, on by default (README, "Installation")
import Dapper

/// The part of a span context that crosses a process boundary: the trace, the span that
/// becomes the parent, and the flags.
///
/// A `ServiceContext` stores it inline (see ``DapperTraceValue``) only within three words: a
/// 128-bit trace ID, which would not fit beside the span ID, is kept in a box, so only a trace
/// that came with one pays an allocation.
struct PropagatedContext: Sendable, Hashable {
    private var trace: TraceIdentity
    var spanID: UInt64
    /// `SpanContext.Flags` raw value.
    var flags: UInt8
    /// The peer left the sampling decision to us (B3 without `X-B3-Sampled`).
    var samplingDeferred: Bool

    init(
        traceID: UInt64, traceIDHigh: UInt64 = 0, spanID: UInt64, flags: SpanContext.Flags,
        samplingDeferred: Bool = false
    ) {
        trace = traceIDHigh == 0 ? .narrow(traceID) : .wide(WideTraceID(low: traceID, high: traceIDHigh))
        self.spanID = spanID
        self.flags = flags.rawValue
        self.samplingDeferred = samplingDeferred
    }

    init(_ context: SpanContext) {
        self.init(traceID: context.traceID, traceIDHigh: context.traceIDHigh, spanID: context.spanID, flags: context.flags)
    }

    /// The low 64 bits of the trace ID (`SpanContext.traceID`).
    var traceID: UInt64 {
        switch trace {
        case .narrow(let traceID): traceID
        case .wide(let wide): wide.low
        }
    }

    /// The high 64 bits of a 128-bit trace ID, 0 for a 64-bit one (`SpanContext.traceIDHigh`).
    var traceIDHigh: UInt64 {
        switch trace {
        case .narrow: 0
        case .wide(let wide): wide.high
        }
    }

    /// The same context with the high half of the trace ID replaced.
    func withTraceIDHigh(_ high: UInt64) -> PropagatedContext {
        var context = self
        context.trace = high == 0 ? .narrow(traceID) : .wide(WideTraceID(low: traceID, high: high))
        return context
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

    /// A trace ID of 64 bits inline, or of 128 bits boxed.
    private enum TraceIdentity: Sendable, Hashable {
        case narrow(UInt64)
        case wide(WideTraceID)
    }

    /// A 128-bit trace ID, boxed so that ``PropagatedContext`` stays within three words.
    private final class WideTraceID: Sendable, Hashable {
        let low: UInt64
        let high: UInt64

        init(low: UInt64, high: UInt64) {
            self.low = low
            self.high = high
        }

        static func == (left: WideTraceID, right: WideTraceID) -> Bool {
            left.low == right.low && left.high == right.high
        }

        func hash(into hasher: inout Hasher) {
            hasher.combine(low)
            hasher.combine(high)
        }
    }
}
#endif
