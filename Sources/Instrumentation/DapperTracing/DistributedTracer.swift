#if DistributedTracing  // a package trait, on by default (README, "Installation")
import Dapper
import Instrumentation
import Synchronization
import Tracing

/// Dapper as a swift-distributed-tracing `Tracer`: bootstrap it once, and every library that
/// traces through swift-distributed-tracing (Hummingbird, AsyncHTTPClient, your own
/// `withSpan` calls) reports through a ``/Dapper/DapperTracer``.
///
/// ```swift
/// let tracer = DapperTracer(serviceName: "gateway", reporter: reporter)
/// InstrumentationSystem.bootstrap(DapperDistributedTracer(tracer))
/// ```
///
/// It reads and writes `kratos-trace-id` and W3C `traceparent` unless given other
/// ``PropagationFormats`` (`propagation: [.kratos, .b3]` for a fleet that speaks Zipkin's B3).
///
/// `startSpan` continues the Dapper span found in the given `ServiceContext` (a child, as
/// `fork` makes, even when that span has ended: a task may outlive the request that started
/// it), or the context extracted from a peer's headers, or starts a new trace (as `new` does,
/// the tracer's sampler deciding). The span kind becomes the `span.kind` tag; `internal`
/// spans have none.
///
/// A span that is not sampled records nothing and costs little: no Dapper span is started for
/// it and its `context` is the one it was given (for an unsampled root, with the new trace's
/// identifiers added, in a context recycled from an earlier root on the thread), so unsampled
/// spans allocate nothing beyond what `NoOpTracer` does (but for a trace that came with a
/// 128-bit ID, whose propagated context is boxed). Such a span
/// propagates the context it continues: a peer called from inside it sees the unsampled
/// root's (or the upstream's) span ID as its parent, and the sampled flag unset, which is all
/// an unsampled peer uses.
public struct DapperDistributedTracer: Tracing.Tracer {
    public typealias Span = DapperDistributedSpan

    /// The tracer that records and reports the spans.
    public let tracer: DapperTracer
    /// The header formats read and written (`[.kratos, .traceparent]` by default).
    public let formats: PropagationFormats
    private let counters: Counters

    /// Creates the bridge for `tracer`, propagating in `formats`.
    ///
    /// The default reads and writes both `kratos-trace-id` (Kratos v1) and `traceparent`
    /// (Kratos v2 and other OpenTelemetry services), so that one trace crosses a fleet of
    /// both; see ``PropagationFormats`` for which wins when a request carries both. Pass
    /// `.kratos` for a fleet of Kratos v1 services only, where `traceparent` would be dead
    /// weight on every call.
    public init(_ tracer: DapperTracer, propagation formats: PropagationFormats = [.kratos, .traceparent]) {
        self.tracer = tracer
        self.formats = formats
        self.counters = Counters()
        DapperAPIInterop.installed
    }

    /// Trace headers that were present but malformed, and so ignored: a request whose every
    /// trace header is malformed starts a new trace; a malformed `traceparent` beside a valid
    /// `kratos-trace-id` is counted too, though the request continues the Kratos trace.
    public var malformedHeaderCount: Int { counters.malformedHeaders.load(ordering: .relaxed) }

    public func startSpan<Instant: TracerInstant>(
        _ operationName: String,
        context: @autoclosure () -> ServiceContext,
        ofKind kind: Tracing.SpanKind,
        at instant: @autoclosure () -> Instant,
        function: String,
        file fileID: String,
        line: UInt
    ) -> DapperDistributedSpan {
        let parentContext = context()
        let spanKind = Dapper.SpanKind(kind)
        // Read only for a recorded span.
        func start() -> Int64? { Int64(clamping: instant().nanosecondsSinceEpoch) }
        // A request's first span usually starts from an empty context: no lookup (a hash and
        // a cast) for that one.
        switch parentContext.isEmpty ? nil : parentContext[DapperTraceKey.self]?.view {
        case .span(let parent):
            let child = parent.child(operationName, kind: spanKind, startWallNanos: start)
            return recorded(child, operationName, parentContext)
        case .propagated(let remote) where remote.isDecisionOnly:
            // A peer's sampling decision without a trace (`b3: 0`, `X-B3-Sampled: 1` alone): a
            // new trace that obeys it.
            let tracer = parentContext.dapperTracer ?? tracer
            let root = SpanContext.root(
                traceID: IdentifierGenerator.next(), flags: remote.spanFlags, probability: remote.isSampled ? 1 : 0)
            guard root.isSampled || root.isDebug else {
                return unrecorded(operationName, parentContext, carrying: .propagated(PropagatedContext(root)))
            }
            let span = tracer.startSpan(operationName, context: root, kind: spanKind, startWallNanos: start())
            // As `new(_:debug:)` marks a debug root.
            if root.isDebug { span.setTag(SpanTag(key: SpanTagKey.debug, value: .bool(true))) }
            return recorded(span, operationName, parentContext)
        case .propagated(let remote) where remote.samplingDeferred:
            // The peer left the decision to us (B3 without a sampling state): the sampler makes
            // it once, and the children inherit it.
            let tracer = parentContext.dapperTracer ?? tracer
            let decision = tracer.sampler.decide(traceID: remote.traceID, operationName: operationName)
            guard decision.isSampled else {
                var decided = remote
                decided.flags = 0
                decided.samplingDeferred = false
                return unrecorded(operationName, parentContext, carrying: .propagated(decided))
            }
            var context = remote.spanContext
            context.flags = .sampled
            context.probability = decision.probability
            let span = tracer.continueTrace(context, operationName: operationName, kind: spanKind, startWallNanos: start)
            return recorded(span, operationName, parentContext)
        case .propagated(let remote):
            guard remote.isSampled || remote.isDebug else {
                return DapperDistributedSpan(unrecorded: operationName, context: parentContext)
            }
            let tracer = parentContext.dapperTracer ?? tracer
            let span = tracer.continueTrace(
                remote.spanContext, operationName: operationName, kind: spanKind, startWallNanos: start)
            return recorded(span, operationName, parentContext)
        case nil:
            // Inside Dapper's own `withTrace`: a child of its span (see `DapperAPIInterop`). Not
            // for a server or consumer span, which starts a request or a message's work: one
            // started in a task that inherited a long-lived `withTrace` (a server run inside
            // one) is not part of that trace.
            if kind != .server, kind != .consumer, let current = currentTraceOfDapperAPI,
                let native = (current as? DapperSpan) ?? (current as? InheritedTrace)?.span, !native.isNoop
            {
                let child = native.child(operationName, kind: spanKind, startWallNanos: start)
                guard child.isNoop else { return recorded(child, operationName, parentContext) }
                // The guards of Compatibility §3 refused a child: its spans and calls go on in the
                // native span's trace, as the native span's own refused children do.
                return unrecorded(operationName, parentContext, carrying: .span(native))
            }
            let tracer = parentContext.dapperTracer ?? tracer
            let root = tracer.newRootContext(operationName)
            guard root.isSampled || root.isDebug else {
                guard parentContext.isEmpty else {
                    return unrecorded(operationName, parentContext, carrying: .propagated(PropagatedContext(root)))
                }
                // The usual request: nothing in its context yet. Its context is recycled.
                var context: ServiceContext = UnsampledContextCache.take() ?? parentContext
                context[DapperTraceKey.self] = .propagated(PropagatedContext(root))
                return DapperDistributedSpan(unrecorded: operationName, context: context, recyclesContext: true)
            }
            let span = tracer.startSpan(operationName, context: root, kind: spanKind, startWallNanos: start())
            return recorded(span, operationName, parentContext)
        }
    }

    /// A span that records nothing and passes `value` on to its children and peers.
    private func unrecorded(
        _ operationName: String, _ parentContext: ServiceContext, carrying value: DapperTraceValue
    ) -> DapperDistributedSpan {
        var context = parentContext
        context[DapperTraceKey.self] = value
        return DapperDistributedSpan(unrecorded: operationName, context: context)
    }

    private func recorded(
        _ span: DapperSpan, _ operationName: String, _ parentContext: ServiceContext
    ) -> DapperDistributedSpan {
        // The guards of Compatibility §3 (depth, children) give the no-op span: nothing to record, and
        // its children continue from the parent.
        guard !span.isNoop else { return DapperDistributedSpan(unrecorded: operationName, context: parentContext) }
        var context = parentContext
        context[DapperTraceKey.self] = .span(span)
        return DapperDistributedSpan(span: span, context: context)
    }

    /// Starts flushing the reporters and returns at once (the protocol's `forceFlush` is
    /// synchronous); ``flush(timeout:)`` waits for the result.
    public func forceFlush() {
        let tracer = self.tracer
        Task { _ = await tracer.flush(timeout: .seconds(5)) }
    }

    /// Flushes the reporters: returns when what was reported before the call has been handed
    /// on, or at the deadline, with what was sent and dropped.
    public func flush(timeout: Duration) async -> FlushResult {
        await tracer.flush(timeout: timeout)
    }

    // MARK: Propagation

    public func inject<Carrier, Inject: Injector>(
        _ context: ServiceContext, into carrier: inout Carrier, using injector: Inject
    ) where Inject.Carrier == Carrier {
        let propagated: PropagatedContext
        let parentID: UInt64
        switch context[DapperTraceKey.self]?.view {
        case .span(let span):
            // A span that has ended still propagates its trace: work it started may outlive it.
            guard let spanContext = span.contextEvenIfFinished else { return }
            propagated = PropagatedContext(spanContext)
            parentID = spanContext.parentID
        case .propagated(let context) where context.isDecisionOnly:
            injectDecision(context, into: &carrier, using: injector)
            return
        case .propagated(let context):
            propagated = context
            parentID = 0
        case nil:
            return
        }
        if formats.contains(.kratos) {
            injector.inject(TraceHeaders.formatKratos(propagated, parentID: parentID), forKey: HeaderName.kratos, into: &carrier)
        }
        if formats.contains(.b3Multi) {
            injector.inject(TraceHeaders.formatB3TraceID(propagated), forKey: HeaderName.b3TraceID, into: &carrier)
            injector.inject(Hex.string16(propagated.spanID), forKey: HeaderName.b3SpanID, into: &carrier)
            if parentID != 0 {
                injector.inject(Hex.string16(parentID), forKey: HeaderName.b3ParentSpanID, into: &carrier)
            }
            if propagated.isDebug {
                injector.inject("1", forKey: HeaderName.b3Flags, into: &carrier)
            } else {
                injector.inject(propagated.isSampled ? "1" : "0", forKey: HeaderName.b3Sampled, into: &carrier)
            }
        }
        if formats.contains(.b3Single) {
            injector.inject(TraceHeaders.formatB3Single(propagated, parentID: parentID), forKey: HeaderName.b3Single, into: &carrier)
        }
        if formats.contains(.traceparent) {
            injector.inject(TraceHeaders.formatTraceparent(propagated), forKey: HeaderName.traceparent, into: &carrier)
        }
    }

    /// A sampling decision without a trace goes on as it came: only B3 can say it.
    private func injectDecision<Carrier, Inject: Injector>(
        _ context: PropagatedContext, into carrier: inout Carrier, using injector: Inject
    ) where Inject.Carrier == Carrier {
        if formats.contains(.b3Single) {
            injector.inject(TraceHeaders.b3Sampled(context), forKey: HeaderName.b3Single, into: &carrier)
        }
        if formats.contains(.b3Multi) {
            if context.isDebug {
                injector.inject("1", forKey: HeaderName.b3Flags, into: &carrier)
            } else {
                injector.inject(context.isSampled ? "1" : "0", forKey: HeaderName.b3Sampled, into: &carrier)
            }
        }
    }

    public func extract<Carrier, Extract: Extractor>(
        _ carrier: Carrier, into context: inout ServiceContext, using extractor: Extract
    ) where Extract.Carrier == Carrier {
        if let remote = extractContext(carrier, using: extractor) {
            context[DapperTraceKey.self] = .propagated(remote)
        }
    }

    /// The first present and valid context among the selected formats, in the order
    /// ``PropagationFormats`` gives; a malformed header is counted and skipped. A valid
    /// `kratos-trace-id` takes the high half of the trace ID from the other formats' context
    /// when it has the same low 64 bits.
    func extractContext<Carrier, Extract: Extractor>(
        _ carrier: Carrier, using extractor: Extract
    ) -> PropagatedContext? where Extract.Carrier == Carrier {
        do {
            if formats.contains(.kratos), let value = extractor.extract(key: HeaderName.kratos, from: carrier) {
                let kratos = try TraceHeaders.parseKratos(value)
                guard formats != .kratos, let other = extractOtherThanKratos(carrier, using: extractor),
                    other.traceID == kratos.traceID, other.traceIDHigh != 0
                else { return kratos }
                var merged = kratos
                merged.traceIDHigh = other.traceIDHigh
                return merged
            }
        } catch {
            counters.malformedHeaders.add(1, ordering: .relaxed)
        }
        return extractOtherThanKratos(carrier, using: extractor)
    }

    /// ``extractContext(_:using:)`` without `kratos-trace-id`.
    private func extractOtherThanKratos<Carrier, Extract: Extractor>(
        _ carrier: Carrier, using extractor: Extract
    ) -> PropagatedContext? where Extract.Carrier == Carrier {
        do {
            if formats.contains(.traceparent), let value = extractor.extract(key: HeaderName.traceparent, from: carrier) {
                return try TraceHeaders.parseTraceparent(value)
            }
        } catch {
            counters.malformedHeaders.add(1, ordering: .relaxed)
        }
        do {
            if formats.contains(.b3Single), let value = extractor.extract(key: HeaderName.b3Single, from: carrier),
                let remote = try TraceHeaders.parseB3Single(value)
            {
                return remote
            }
        } catch {
            counters.malformedHeaders.add(1, ordering: .relaxed)
        }
        do {
            if formats.contains(.b3Multi),
                let remote = try TraceHeaders.parseB3Multi({ extractor.extract(key: $0, from: carrier) })
            {
                return remote
            }
        } catch {
            counters.malformedHeaders.add(1, ordering: .relaxed)
        }
        return nil
    }

    private final class Counters: Sendable {
        let malformedHeaders = Atomic<Int>(0)
    }
}
#endif
