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
            switch context.isEmpty ? nil : context[DapperTraceKey.self]?.view {
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
#endif
