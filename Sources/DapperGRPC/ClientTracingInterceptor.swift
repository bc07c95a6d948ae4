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
        var request = request
        InstrumentationSystem.instrument.inject(span.context, into: &request.metadata, using: MetadataInjector())

        var response: StreamingClientResponse<Output>
        do {
            response = try await ServiceContext.withValue(span.context) { try await next(request, context) }
        } catch {
            RPCStatus.end(span, with: error)
            throw error
        }
        switch response.accepted {
        case .success(var contents):
            contents.bodyParts = RPCAsyncSequence(wrapping: SpanEndingBodyParts(base: contents.bodyParts, span: span))
            response.accepted = .success(contents)
        case .failure(let error):
            RPCStatus.end(span, with: error)
        }
        return response
    }
}

/// A response's body parts that end the call's span with the stream: at the trailing
/// metadata, at the error, or at the end.
struct SpanEndingBodyParts<Output: Sendable>: AsyncSequence, Sendable {
    typealias Element = StreamingClientResponse<Output>.Contents.BodyPart
    typealias Failure = any Error

    let base: RPCAsyncSequence<Element, any Error>
    let span: any Tracing.Span

    func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), span: span) }

    struct Iterator: AsyncIteratorProtocol {
        var base: RPCAsyncSequence<Element, any Error>.AsyncIterator
        let span: any Tracing.Span
        var ended = false

        mutating func next() async throws -> Element? {
            guard !ended else { return nil }
            do {
                let part = try await base.next()
                switch part {
                case .trailingMetadata, nil:
                    ended = true
                    RPCStatus.end(span, with: nil)
                case .message:
                    break
                }
                return part
            } catch {
                ended = true
                RPCStatus.end(span, with: error)
                throw error
            }
        }
    }
}
