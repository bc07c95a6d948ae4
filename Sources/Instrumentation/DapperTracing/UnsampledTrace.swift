#if DistributedTracing  // a package trait, on by default (README, "Installation")
import Dapper

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
package struct UnsampledTrace: Trace, Hashable {
    /// `nil` for the no-op child of a parent too deep.
    private let spanContext: SpanContext?

    /// A span with `context`, whose flags should have neither sampled nor debug set.
    package init(_ context: SpanContext) {
        spanContext = context
    }

    private init(noop: Void) {
        spanContext = nil
    }

    package var context: SpanContext? { spanContext }

    package func fork(_ serviceName: String, _ operationName: String) -> UnsampledTrace { child() }
    package func follow(_ serviceName: String, _ operationName: String) -> UnsampledTrace { child() }

    private func child() -> UnsampledTrace {
        guard let spanContext, spanContext.level <= DapperSpan.maxLevel else { return UnsampledTrace(noop: ()) }
        return UnsampledTrace(SpanContext(
            traceID: spanContext.traceID,
            traceIDHigh: spanContext.traceIDHigh,
            spanID: IdentifierGenerator.next(),
            parentID: spanContext.spanID,
            flags: spanContext.flags,
            level: spanContext.level + 1
        ))
    }

    @discardableResult
    package func setTag(_ tag: SpanTag) -> UnsampledTrace { self }
    @discardableResult
    package func setLog(_ fields: SpanLogFields) -> UnsampledTrace { self }
    package func setTitle(_ operationName: String) {}

    package func visit(_ body: (_ key: String, _ value: String) -> Void) {
        if let spanContext { body(Propagation.kratosTraceIDKey, spanContext.description) }
    }

    package func finish(error: (any Error)?) {}
}
#endif
