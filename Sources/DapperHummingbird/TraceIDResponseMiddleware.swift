import Dapper
import DapperTracing
import HTTPTypes
import Hummingbird
import Instrumentation

/// Echoes the request's trace in the response header `kratos-trace-id`, as Kratos servers do,
/// so that a client (or a person with curl) can look the request up.
///
/// Hummingbird's own `TracingMiddleware` makes the server span (named after the route, with
/// the HTTP attributes); add this one after it, so that it runs inside that span:
///
/// ```swift
/// router.add(middleware: TracingMiddleware())
/// router.add(middleware: TraceIDResponseMiddleware())
/// ```
///
/// The value is the span's context text (`traceid:spanid:parentid:flags`, SPEC 1). An error
/// thrown by the route is answered by Hummingbird after this middleware has returned, so
/// such responses carry the header only when the error is turned into a response here: set
/// `answersErrors` to do that. The server span is then marked as `TracingMiddleware` would
/// mark it for the error (`error=true` and the error's message), since that middleware sees
/// a response instead of the error.
public struct TraceIDResponseMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Turn errors into responses here, so that they carry the header too.
    public let answersErrors: Bool

    /// Creates the middleware.
    public init(answersErrors: Bool = false) {
        self.answersErrors = answersErrors
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError where answersErrors {
            response = try error.response(from: request, context: context)
            if let span = ServiceContext.current?.dapperSpan {
                span.recordError(SpanLogFields(SpanLogField(key: "message", value: String(describing: error))), atWallNanos: nil)
            }
        }
        if let spanContext = ServiceContext.current?.dapperSpanContext {
            response.headers[Self.headerName] = spanContext.description
        }
        return response
    }

    private static var headerName: HTTPField.Name { HTTPField.Name(Propagation.kratosTraceIDKey)! }
}
