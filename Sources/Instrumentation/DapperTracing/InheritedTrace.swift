#if DistributedTracing  // a package trait, on by default (README, "Installation")
import Dapper

/// A bridged span as Dapper's ``Dapper/currentTrace``: the span of the task's
/// `ServiceContext`, which the task may outlive (work a request started, still running after
/// the request's span ended).
///
/// It is the span itself (tags, logs, `setTitle` and `finish` go to it, and do nothing once it
/// has ended, as on any finished span), except that it continues its trace after its end: its
/// ``context`` is still its context, so `injectTrace` propagates it, and ``fork(_:_:)`` and
/// ``follow(_:_:)`` still make children of it, as the bridge's own spans in such a task are.
struct InheritedTrace: Trace, Hashable {
    /// The span.
    let span: DapperSpan

    init(_ span: DapperSpan) {
        self.span = span
    }

    var context: SpanContext? { span.contextEvenIfFinished }

    func fork(_ serviceName: String, _ operationName: String) -> InheritedTrace {
        InheritedTrace(span.child(operationName, kind: .client, startWallNanos: { nil }))
    }

    func follow(_ serviceName: String, _ operationName: String) -> InheritedTrace {
        InheritedTrace(span.child(operationName, kind: .producer, startWallNanos: { nil }))
    }

    @discardableResult
    func setTag(_ tag: SpanTag) -> InheritedTrace {
        span.setTag(tag)
        return self
    }

    @discardableResult
    func setLog(_ fields: SpanLogFields) -> InheritedTrace {
        span.setLog(fields)
        return self
    }

    func setTitle(_ operationName: String) { span.setTitle(operationName) }

    func visit(_ body: (_ key: String, _ value: String) -> Void) {
        if let context { body(Propagation.kratosTraceIDKey, context.description) }
    }

    func finish(error: (any Error)?) { span.finish(error: error) }
}
#endif
