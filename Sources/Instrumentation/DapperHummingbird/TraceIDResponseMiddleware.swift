#if Hummingbird  // a package trait, on by default (README, "Installation")
import Dapper
import DapperTracing
import HTTPTypes
import Hummingbird
import Instrumentation

/// Echoes the request's trace in the response header `kratos-trace-id`, as Kratos servers do,
/// so that a client (or a person with curl) can look the request up: on every answer, the
/// errors included.
///
/// Hummingbird's own `TracingMiddleware` makes the server span (named after the route, with
/// the HTTP attributes); add this one after it, so that it runs inside that span:
///
/// ```swift
/// router.add(middleware: TracingMiddleware())
/// router.add(middleware: TraceIDResponseMiddleware())
/// ```
///
/// The value is the span's context text (`traceid:spanid:parentid:flags`, Compatibility §1).
///
/// An error thrown by the route is answered by Hummingbird after this middleware has returned,
/// so it goes on wrapped in a ``TraceIDResponseError``, which answers as the error would (its
/// status and response; 500 for an error that is not an `HTTPResponseError`) with the header
/// added, the way Hummingbird's own middlewares add headers to errors. Middlewares added
/// before this one (outside it) see the wrapper; its ``TraceIDResponseError/underlying`` is
/// the route's error.
///
/// With `answersErrors`, an `HTTPResponseError` becomes its response here instead, so that
/// `TracingMiddleware` sees a response, not an error: the server span is then marked as an
/// error (`error=true` and the error's message) for a 5xx status only, where
/// `TracingMiddleware` would mark every error, 4xx ones (a "not found") included.
public struct TraceIDResponseMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Turn `HTTPResponseError`s into responses here (see the type's documentation).
    public let answersErrors: Bool

    /// Creates the middleware.
    public init(answersErrors: Bool = false) {
        self.answersErrors = answersErrors
    }

    public func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let traceID = ServiceContext.current?.dapperSpanContext?.description
        do {
            var response = try await next(request, context)
            if let traceID { response.headers[.kratosTraceID] = traceID }
            return response
        } catch let error as any HTTPResponseError where answersErrors {
            var response: Response
            do {
                response = try error.response(from: request, context: context)
            } catch {
                // The error could not make its own answer: it goes on like any other.
                throw Self.carrying(traceID, error)
            }
            if error.status.code >= 500, let span = ServiceContext.current?.dapperSpan {
                span.recordError(SpanLogFields(SpanLogField(key: "message", value: String(describing: error))), atWallNanos: nil)
            }
            if let traceID { response.headers[.kratosTraceID] = traceID }
            return response
        } catch {
            throw Self.carrying(traceID, error)
        }
    }

    /// `error` with the trace header to add to its answer, if there is a trace.
    private static func carrying(_ traceID: String?, _ error: any Error) -> any Error {
        guard let traceID else { return error }
        return TraceIDResponseError(underlying: error, traceID: traceID)
    }
}

extension HTTPField.Name {
    /// `kratos-trace-id`, the header the middleware and its error answer with (a valid field
    /// name, so the initializer cannot fail).
    static let kratosTraceID = HTTPField.Name(Propagation.kratosTraceIDKey)!
}
#endif
