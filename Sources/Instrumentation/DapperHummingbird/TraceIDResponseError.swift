#if Hummingbird  // a package trait, on by default (README, "Installation")
import Dapper
import HTTPTypes
import Hummingbird

/// An error thrown by a route, on its way out with the request's trace: it answers as the
/// route's error would, with the `kratos-trace-id` header added (see
/// ``TraceIDResponseMiddleware``).
public struct TraceIDResponseError: HTTPResponseError, CustomStringConvertible, WrappingError {
    /// The error the route threw.
    public let underlying: any Error
    /// The context text answered in `kratos-trace-id`.
    public let traceID: String

    /// The underlying error's status; 500 for an error that is not an `HTTPResponseError`.
    public var status: HTTPResponse.Status {
        (underlying as? any HTTPResponseError)?.status ?? .internalServerError
    }

    /// The underlying error's description, so that logs and spans show the route's error.
    public var description: String { String(describing: underlying) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response =
            if let underlying = underlying as? any HTTPResponseError {
                try underlying.response(from: request, context: context)
            } else {
                Response(status: .internalServerError)
            }
        response.headers[.kratosTraceID] = traceID
        return response
    }
}
#endif
