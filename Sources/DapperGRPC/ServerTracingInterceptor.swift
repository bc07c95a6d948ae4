import Dapper
import DapperTracing
import GRPCCore
import Instrumentation
import Tracing

/// Traces every RPC a gRPC server handles: continues the caller's trace from the request
/// metadata (`kratos-trace-id`, or the other formats the bootstrapped tracer reads), and
/// runs the handler inside a server span named after the method (`package.Service/Method`).
///
/// The span carries `rpc.system`, `rpc.service`, `rpc.method`, `net.peer.name` and
/// `rpc.grpc.status_code`; a non-OK status marks it as an error with the status message. It
/// lasts for the life of the RPC: for a streaming response, until the last message is written
/// and the status sent, not just until the handler returns the stream (where tracing stops in
/// Kratos' Go interceptor).
///
/// ```swift
/// let server = GRPCServer(transport: transport, services: [userService],
///                         interceptors: [ServerTracingInterceptor()])
/// ```
///
/// It uses `InstrumentationSystem.tracer`: bootstrap ``DapperDistributedTracer`` first.
/// `tracer` makes the server spans report through another ``DapperTracer`` than the
/// bootstrapped one (a process hosting several services, each with its own name).
public struct ServerTracingInterceptor: ServerInterceptor {
    /// The tracer the server spans report through; `nil` for the bootstrapped one.
    public let tracer: DapperTracer?

    /// Creates the interceptor.
    public init(tracer: DapperTracer? = nil) {
        self.tracer = tracer
    }

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        var serviceContext = ServiceContext.current ?? .topLevel
        InstrumentationSystem.instrument.extract(request.metadata, into: &serviceContext, using: MetadataExtractor())
        if let tracer { serviceContext.dapperTracer = tracer }
        let span = InstrumentationSystem.tracer.startAnySpan(
            context.descriptor.fullyQualifiedMethod, context: serviceContext, ofKind: .server)
        RPCTags.record(context.descriptor, peer: context.remotePeer, on: span)
        let spanContext = span.context

        var response: StreamingServerResponse<Output>
        do {
            response = try await ServiceContext.withValue(spanContext) { try await next(request, context) }
        } catch {
            RPCStatus.end(span, with: error)
            throw error
        }
        switch response.accepted {
        case .success(var contents):
            let producer = contents.producer
            contents.producer = { writer in
                do {
                    let trailers = try await ServiceContext.withValue(spanContext) { try await producer(writer) }
                    RPCStatus.end(span, with: nil)
                    return trailers
                } catch {
                    RPCStatus.end(span, with: error)
                    throw error
                }
            }
            response.accepted = .success(contents)
        case .failure(let error):
            RPCStatus.end(span, with: error)
        }
        return response
    }
}

/// How an RPC's outcome lands on its span.
enum RPCStatus {
    static func end(_ span: any Tracing.Span, with error: (any Error)?) {
        guard let error else {
            span.attributes[RPCTags.statusCode] = 0
            span.end()
            return
        }
        let rpcError = error as? RPCError
        span.attributes[RPCTags.statusCode] = rpcError?.code.rawValue ?? RPCError.Code.unknown.rawValue
        span.recordError(error)
        span.setStatus(SpanStatus(code: .error))
        span.end()
    }
}
