#if DistributedTracing  // a package trait, on by default (README, "Installation")
import Dapper
import Instrumentation

/// What a `ServiceContext` carries for Dapper: the span to continue. Read it through
/// ``view``; store a propagated context with ``propagated(_:)``.
///
/// Kept within three words so that the context stores it inline: setting it costs the
/// context's own copy, nothing more. A propagated context with a 128-bit trace ID does not fit
/// in them beside its span ID, and is boxed: only a trace that came with one pays an
/// allocation, and a 64-bit context stays a plain value, copied without reference counting.
enum DapperTraceValue: Sendable {
    /// A recorded span of this process: children fork from it.
    case span(DapperSpan)
    /// A propagated context with a 64-bit trace ID.
    case narrow(Narrow)
    /// A propagated context with a 128-bit trace ID.
    case wide(Wide)

    /// A context to continue without a span of our own: one extracted from a peer's headers,
    /// or an unsampled span (which records nothing, so its children reuse it instead of
    /// allocating contexts of their own).
    static func propagated(_ context: PropagatedContext) -> DapperTraceValue {
        guard context.traceIDHigh == 0 else { return .wide(Wide(context)) }
        return .narrow(Narrow(
            traceID: context.traceID, spanID: context.spanID, flags: context.flags,
            samplingDeferred: context.samplingDeferred))
    }

    /// The value with a propagated context whole.
    var view: View {
        switch self {
        case .span(let span): .span(span)
        case .narrow(let narrow):
            .propagated(PropagatedContext(
                traceID: narrow.traceID, spanID: narrow.spanID, flags: SpanContext.Flags(rawValue: narrow.flags),
                samplingDeferred: narrow.samplingDeferred))
        case .wide(let wide): .propagated(wide.context)
        }
    }

    /// ``DapperTraceValue`` as the bridge reads it.
    enum View {
        /// A recorded span of this process.
        case span(DapperSpan)
        /// A context to continue without a span of our own.
        case propagated(PropagatedContext)
    }

    /// `PropagatedContext` without its high half, in 18 bytes.
    struct Narrow: Sendable {
        let traceID: UInt64
        let spanID: UInt64
        let flags: UInt8
        let samplingDeferred: Bool
    }

    /// A `PropagatedContext` with a 128-bit trace ID, boxed.
    final class Wide: Sendable {
        let context: PropagatedContext

        init(_ context: PropagatedContext) { self.context = context }
    }
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
    package var dapperSpanContext: SpanContext? {
        switch self[DapperTraceKey.self]?.view {
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
        switch self[DapperTraceKey.self]?.view {
        case .span(let span): span.contextEvenIfFinished.map(PropagatedContext.init)
        case .propagated(let context): context.isDecisionOnly ? nil : context
        case nil: nil
        }
    }
}
#endif
