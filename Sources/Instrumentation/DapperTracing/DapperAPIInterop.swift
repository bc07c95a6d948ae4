#if DistributedTracing  // a package trait, on by default (README, "Installation")
import Dapper
import Instrumentation

/// Dapper's own API (`currentTrace`, `withTrace`, `injectTrace`) and swift-distributed-tracing
/// (`withSpan`, Hummingbird, gRPC) in one process see each other's current span:
///
/// - where no `withCurrentTrace` is open, `currentTrace` is the span of the task's
///   `ServiceContext` (inside `withSpan`, a Hummingbird or gRPC server span, or a task started
///   in one), so `withTrace` makes its children and `injectTrace` propagates it: an
///   ``InheritedTrace`` for a recorded span, an ``UnsampledTrace`` in an unsampled request;
/// - inside `withCurrentTrace` with no Dapper span in the `ServiceContext`, a new bridged span
///   (other than a server or consumer span, which starts work of its own) is a child of
///   Dapper's current trace.
///
/// Each API looks at its own task-local first: a `withSpan` inside a `withCurrentTrace`
/// inside another `withSpan` is a child of the outer `withSpan`'s span, in the same trace.
enum DapperAPIInterop {
    /// Installs the bridge's spans as `currentTrace`'s fallback; done once, by the first
    /// ``DapperDistributedTracer``.
    static let installed: Void = {
        CurrentTraceFallback.install {
            guard let context = ServiceContext.current else { return nil }
            switch context.isEmpty ? nil : context[DapperTraceKey.self] {
            case .span(let span):
                return InheritedTrace(span)
            case .propagated(let remote)
            where !remote.isDecisionOnly && !remote.samplingDeferred && !remote.isSampled && !remote.isDebug:
                return UnsampledTrace(remote.spanContext)
            case .propagated, nil:
                // A sampled peer's context (or a decision still to make) before a span of ours
                // exists: nothing to fork yet.
                return nil
            }
        }
    }()
}

/// A bridged span as Dapper's ``Dapper/currentTrace``: the span of the task's
/// `ServiceContext`, which the task may outlive (work a request started, still running after
/// the request's span ended).
///
/// It is the span itself (tags, logs, `setTitle` and `finish` go to it, and do nothing once it
/// has ended, as on any finished span), except that it continues its trace after its end: its
/// ``context`` is still its context, so `injectTrace` propagates it, and ``fork(_:_:)`` and
/// ``follow(_:_:)`` still make children of it, as the bridge's own spans in such a task are.
public struct InheritedTrace: Trace, Hashable {
    /// The span.
    public let span: DapperSpan

    init(_ span: DapperSpan) {
        self.span = span
    }

    public var context: SpanContext? { span.contextEvenIfFinished }

    public func fork(_ serviceName: String, _ operationName: String) -> InheritedTrace {
        InheritedTrace(span.child(operationName, kind: .client, startWallNanos: { nil }))
    }

    public func follow(_ serviceName: String, _ operationName: String) -> InheritedTrace {
        InheritedTrace(span.child(operationName, kind: .producer, startWallNanos: { nil }))
    }

    @discardableResult
    public func setTag(_ tag: SpanTag) -> InheritedTrace {
        span.setTag(tag)
        return self
    }

    @discardableResult
    public func setLog(_ fields: SpanLogFields) -> InheritedTrace {
        span.setLog(fields)
        return self
    }

    public func setTitle(_ operationName: String) { span.setTitle(operationName) }

    public func visit(_ body: (_ key: String, _ value: String) -> Void) {
        if let context { body(Propagation.kratosTraceIDKey, context.description) }
    }

    public func finish(error: (any Error)?) { span.finish(error: error) }
}

/// A span of an unsampled trace that needs no storage: it records nothing, and it passes the
/// trace on (its context, with the sampled flag unset) to its children and peers.
///
/// ``Dapper/currentTrace`` gives one inside an unsampled swift-distributed-tracing span, so
/// that code written against Dapper's API propagates the trace there too.
///
/// The depth guard of Compatibility §3 applies as to any span: a parent deeper than
/// ``Dapper/DapperSpan/maxLevel`` gives a no-op child, which has no context and injects
/// nothing. (The 1024-children guard needs a count kept per span, which a span without
/// storage does not have; an unsampled child costs no memory, so nothing needs bounding.)
public struct UnsampledTrace: Trace, Hashable {
    /// `nil` for the no-op child of a parent too deep.
    private let spanContext: SpanContext?

    /// A span with `context`, whose flags should have neither sampled nor debug set.
    public init(_ context: SpanContext) {
        spanContext = context
    }

    private init(noop: Void) {
        spanContext = nil
    }

    public var context: SpanContext? { spanContext }

    public func fork(_ serviceName: String, _ operationName: String) -> UnsampledTrace { child() }
    public func follow(_ serviceName: String, _ operationName: String) -> UnsampledTrace { child() }

    private func child() -> UnsampledTrace {
        guard let spanContext, spanContext.level <= DapperSpan.maxLevel else { return UnsampledTrace(noop: ()) }
        return UnsampledTrace(SpanContext(
            traceID: spanContext.traceID,
            spanID: IdentifierGenerator.next(),
            parentID: spanContext.spanID,
            flags: spanContext.flags,
            level: spanContext.level + 1
        ))
    }

    @discardableResult
    public func setTag(_ tag: SpanTag) -> UnsampledTrace { self }
    @discardableResult
    public func setLog(_ fields: SpanLogFields) -> UnsampledTrace { self }
    public func setTitle(_ operationName: String) {}

    public func visit(_ body: (_ key: String, _ value: String) -> Void) {
        if let spanContext { body(Propagation.kratosTraceIDKey, spanContext.description) }
    }

    public func finish(error: (any Error)?) {}
}
#endif
