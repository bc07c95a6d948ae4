#if Hummingbird  // a package trait, on by default (README, "Installation")
import Dapper
import DapperTracing
import Hummingbird
import Instrumentation

/// Makes the server spans of one Hummingbird application report through their own
/// ``/Dapper/DapperTracer`` (their own service name), when a process hosts several services behind
/// one bootstrapped ``/DapperTracing/DapperDistributedTracer``.
///
/// Add it before Hummingbird's `TracingMiddleware`, which starts the server span:
///
/// ```swift
/// router.add(middleware: TracerSelectionMiddleware(tracer: orderTracer))
/// router.add(middleware: TracingMiddleware())
/// ```
///
/// Spans started inside the request (AsyncHTTPClient calls, `withSpan`) are children of the
/// server span and report through the same tracer.
public struct TracerSelectionMiddleware<Context: RequestContext>: RouterMiddleware {
    /// The tracer the application's server spans report through.
    public let tracer: DapperTracer

    /// Creates the middleware.
    public init(tracer: DapperTracer) {
        self.tracer = tracer
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var serviceContext = ServiceContext.current ?? .topLevel
        serviceContext.dapperTracer = tracer
        return try await ServiceContext.withValue(serviceContext) { try await next(request, context) }
    }
}
#endif
