import Dapper
import Instrumentation

/// Dapper's own API (`currentTrace`, `withTrace`, `injectTrace`) and swift-distributed-tracing
/// (`withSpan`, Hummingbird, gRPC) in one process see each other's current span:
///
/// - inside a bridged span, `currentTrace` is that span (when no `withCurrentTrace` is open
///   inside it), so `withTrace` makes its children and `injectTrace` propagates it; in an
///   unsampled request it is an ``UnsampledTrace``, which propagates the trace and records
///   nothing;
/// - inside `withTrace` (and no bridged span), a new bridged span is a child of Dapper's
///   current trace.
///
/// Each API nests within itself first: a `withSpan` inside a `withTrace` inside another
/// `withSpan` is a child of the outer `withSpan`'s span, in the same trace.
enum DapperAPIInterop {
    /// Installs the bridge's spans as `currentTrace`'s fallback; done once, by the first
    /// ``DapperDistributedTracer``.
    static let installed: Void = {
        CurrentTraceFallback.install {
            guard let context = ServiceContext.current else { return nil }
            switch context.isEmpty ? nil : context[DapperTraceKey.self] {
            case .span(let span):
                return span
            case .propagated(let remote) where !remote.isDecisionOnly && !remote.isSampled && !remote.isDebug:
                return UnsampledTrace(remote.spanContext)
            case .propagated, nil:
                // A sampled peer's context before a span of ours exists: nothing to fork yet.
                return nil
            }
        }
    }()
}

/// A span of an unsampled trace that needs no storage: it records nothing, and it passes the
/// trace on (its context, with the sampled flag unset) to its children and peers.
///
/// ``Dapper/currentTrace`` gives one inside an unsampled swift-distributed-tracing span, so
/// that code written against Dapper's API propagates the trace there too.
public struct UnsampledTrace: Trace, Hashable {
    private let spanContext: SpanContext

    /// A span with `context`, whose flags should have neither sampled nor debug set.
    public init(_ context: SpanContext) {
        spanContext = context
    }

    public var context: SpanContext? { spanContext }

    public func fork(_ serviceName: String, _ operationName: String) -> UnsampledTrace { child() }
    public func follow(_ serviceName: String, _ operationName: String) -> UnsampledTrace { child() }

    private func child() -> UnsampledTrace {
        UnsampledTrace(SpanContext(
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
        body(Propagation.kratosTraceIDKey, spanContext.description)
    }

    public func finish(error: (any Error)?) {}
}
