#if GRPC  // a package trait, on by default (README, "Installation")
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
/// Kratos' Go interceptor). An RPC that gRPC drops before its response is written (the
/// stream failed first) still ends its span, as an error.
///
/// ```swift
/// let server = GRPCServer(transport: transport, services: [userService],
///                         interceptors: [ServerTracingInterceptor()])
/// ```
///
/// It uses `InstrumentationSystem.tracer`: bootstrap ``/DapperTracing/DapperDistributedTracer`` first.
/// `tracer` makes the server spans report through another ``/Dapper/DapperTracer`` than the
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
        let rpc = RPCSpan(span, side: .server)
        let spanContext = span.context

        var response: StreamingServerResponse<Output>
        do {
            response = try await ServiceContext.withValue(spanContext) { try await next(request, context) }
        } catch {
            rpc.end(with: error)
            throw error
        }
        switch response.accepted {
        case .success(var contents):
            let producer = contents.producer
            // The producer holds the span: if gRPC drops the response without running it (the
            // stream failed first), the span ends then, as an error.
            contents.producer = { writer in
                do {
                    let trailers = try await ServiceContext.withValue(spanContext) { try await producer(writer) }
                    rpc.end(with: nil)
                    return trailers
                } catch {
                    rpc.end(with: error)
                    throw error
                }
            }
            response.accepted = .success(contents)
        case .failure(let error):
            rpc.end(with: error)
        }
        return response
    }
}
#endif
