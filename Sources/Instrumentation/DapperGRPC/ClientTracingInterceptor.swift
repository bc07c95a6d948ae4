#if GRPC  // a package trait, on by default (README, "Installation")
import Dapper
import DapperTracing
import GRPCCore
import Instrumentation
import Tracing

/// Traces every RPC a gRPC client makes: a client span per call (a `fork` of the current span,
/// in Dapper's terms) named after the method, its context written into the request metadata
/// (`kratos-trace-id`, and the other formats the bootstrapped tracer writes), so that the
/// server, Swift or Go, continues the trace.
///
/// The span ends when the response stream does: with its trailing metadata (status OK,
/// `rpc.grpc.status_code=0`), or with the error that ended it (the status code, `error=true`
/// and the message). For a streaming response that is when the last message has been read.
/// A caller that lets go of the response before that (it broke out of the stream, or never
/// read it) ends the span then, with `rpc.grpc.response_abandoned=true` and no status.
///
/// ```swift
/// let client = GRPCClient(transport: transport, interceptors: [ClientTracingInterceptor()])
/// ```
public struct ClientTracingInterceptor: ClientInterceptor {
    /// Creates the interceptor.
    public init() {}

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingClientRequest<Input>,
        context: ClientContext,
        next: (StreamingClientRequest<Input>, ClientContext) async throws -> StreamingClientResponse<Output>
    ) async throws -> StreamingClientResponse<Output> {
        let span = InstrumentationSystem.tracer.startAnySpan(
            context.descriptor.fullyQualifiedMethod, context: ServiceContext.current ?? .topLevel, ofKind: .client)
        RPCTags.record(context.descriptor, peer: context.remotePeer, on: span)
        let rpc = RPCSpan(span, side: .client)
        var request = request
        InstrumentationSystem.instrument.inject(span.context, into: &request.metadata, using: MetadataInjector())

        var response: StreamingClientResponse<Output>
        do {
            response = try await ServiceContext.withValue(span.context) { try await next(request, context) }
        } catch {
            rpc.end(with: error)
            throw error
        }
        switch response.accepted {
        case .success(var contents):
            contents.bodyParts = RPCAsyncSequence(wrapping: SpanEndingBodyParts(base: contents.bodyParts, rpc: rpc))
            response.accepted = .success(contents)
        case .failure(let error):
            rpc.end(with: error)
        }
        return response
    }
}

/// A response's body parts that end the call's span with the stream: at the trailing
/// metadata, at the error, or at the end; and, through ``RPCSpan``, when the caller lets go of
/// the response before that.
struct SpanEndingBodyParts<Output: Sendable>: AsyncSequence, Sendable {
    typealias Element = StreamingClientResponse<Output>.Contents.BodyPart
    typealias Failure = any Error

    let base: RPCAsyncSequence<Element, any Error>
    let rpc: RPCSpan

    func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), rpc: rpc) }

    struct Iterator: AsyncIteratorProtocol {
        var base: RPCAsyncSequence<Element, any Error>.AsyncIterator
        let rpc: RPCSpan
        var ended = false

        mutating func next() async throws -> Element? {
            guard !ended else { return nil }
            do {
                let part = try await base.next()
                switch part {
                case .trailingMetadata, nil:
                    ended = true
                    rpc.end(with: nil)
                case .message:
                    break
                }
                return part
            } catch {
                ended = true
                rpc.end(with: error)
                throw error
            }
        }
    }
}
#endif
