#if DistributedTracing  // a package trait, on by default (README, "Installation")
import Dapper
import Instrumentation

/// What a `ServiceContext` carries for Dapper: the span to continue.
///
/// Kept within three words so that the context stores it inline: setting it costs the
/// context's own copy, nothing more.
enum DapperTraceValue: Sendable {
    /// A recorded span of this process: children fork from it.
    case span(DapperSpan)
    /// A context to continue without a span of our own: one extracted from a peer's headers,
    /// or an unsampled span (which records nothing, so its children reuse it instead of
    /// allocating contexts of their own).
    case propagated(PropagatedContext)
}

/// The part of a span context that crosses a process boundary: the trace, the span that
/// becomes the parent, and the flags.
struct PropagatedContext: Sendable, Hashable {
    var traceID: UInt64
    var spanID: UInt64
    /// `SpanContext.Flags` raw value.
    var flags: UInt8
    /// The peer left the sampling decision to us (B3 without `X-B3-Sampled`).
    var samplingDeferred: Bool

    init(traceID: UInt64, spanID: UInt64, flags: SpanContext.Flags, samplingDeferred: Bool = false) {
        self.traceID = traceID
        self.spanID = spanID
        self.flags = flags.rawValue
        self.samplingDeferred = samplingDeferred
    }

    init(_ context: SpanContext) {
        self.init(traceID: context.traceID, spanID: context.spanID, flags: context.flags)
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
    var spanContext: SpanContext { SpanContext(traceID: traceID, spanID: spanID, parentID: 0, flags: spanFlags) }
}

/// The tracer that spans without a Dapper parent start with, where it is not the bridge's own.
enum DapperTracerKey: ServiceContextKey {
    typealias Value = DapperTracer
    static var nameOverride: String? { "dapper-tracer" }
}

enum DapperTraceKey: ServiceContextKey {
    typealias Value = DapperTraceValue
    static var nameOverride: String? { "dapper-trace" }
}

extension ServiceContext {
    /// The Dapper span context this service context continues: its span's (open, or ended:
    /// a task that outlives its span still belongs to the trace) or one extracted from a
    /// request's headers; `nil` if none.
    ///
    /// An unsampled span reports the context it continues (see ``DapperDistributedTracer``).
    public var dapperSpanContext: SpanContext? {
        switch self[DapperTraceKey.self] {
        case .span(let span): span.contextEvenIfFinished
        case .propagated(let context): context.isDecisionOnly ? nil : context.spanContext
        case nil: nil
        }
    }

    /// The tracer that a span started from this context reports through when it has no
    /// Dapper parent here (a server span, a new trace); `nil` for the bootstrapped
    /// ``DapperDistributedTracer``'s own. Children report through their parent's tracer.
    ///
    /// For a process that hosts several services, each with its own service name: set it at
    /// each service's entry (`TracerSelectionMiddleware` for Hummingbird, the `tracer` of
    /// `ServerTracingInterceptor` for gRPC).
    public var dapperTracer: DapperTracer? {
        get { self[DapperTracerKey.self] }
        set { self[DapperTracerKey.self] = newValue }
    }

    /// The recorded Dapper span open in this context, if any (for the integrations).
    package var dapperSpan: DapperSpan? {
        if case .span(let span) = self[DapperTraceKey.self] { span } else { nil }
    }

    /// The propagated part of ``dapperSpanContext``, read without locking twice.
    var propagatedContext: PropagatedContext? {
        switch self[DapperTraceKey.self] {
        case .span(let span): span.contextEvenIfFinished.map(PropagatedContext.init)
        case .propagated(let context): context.isDecisionOnly ? nil : context
        case nil: nil
        }
    }
}
#endif
