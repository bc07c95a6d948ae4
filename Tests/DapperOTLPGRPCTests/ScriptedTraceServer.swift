import Foundation
import Dapper
import DapperOTLPGRPC
import GRPCCore
import GRPCNIOTransportHTTP2Posix

/// What the scripted server answers to one call.
enum ScriptedAnswer: Sendable {
    /// OK with these response bytes.
    case ok([UInt8])
    /// The status `code` with `message`, and these bytes in `grpc-status-details-bin`.
    case fail(RPCError.Code, String, statusDetails: [UInt8]? = nil)
    /// No answer until the call is cancelled.
    case hang
}

/// One call as the server saw it.
struct ReceivedCall: Sendable {
    var message: [UInt8]
    var metadata: [String: String]
}

/// `TraceService/Export` on a real grpc-swift HTTP/2 server, with the same raw-bytes coding as
/// the client, answering each call with the next of its scripted answers.
final class ScriptedTraceService: RegistrableRPCService {
    private let answers: LockedValue<[ScriptedAnswer]>
    private let received = LockedValue<[ReceivedCall]>([])
    private let cancelled = LockedValue(0)

    init(answers: [ScriptedAnswer]) { self.answers = LockedValue(answers) }

    /// The calls received so far.
    var calls: [ReceivedCall] { received.withLock { $0 } }
    /// How many hanging calls ended by cancellation.
    var cancelledCalls: Int { cancelled.withLock { $0 } }

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        router.registerHandler(
            forMethod: .otlpTraceExport, deserializer: RawMessageDeserializer(), serializer: RawMessageSerializer()
        ) { request, context in
            let single = try await ServerRequest(stream: request)
            var metadata: [String: String] = [:]
            for (key, value) in single.metadata {
                if case .string(let text) = value { metadata[key] = text }
            }
            self.received.withLock { $0.append(ReceivedCall(message: single.message, metadata: metadata)) }
            let answer = self.answers.withLock { $0.isEmpty ? ScriptedAnswer.ok([]) : $0.removeFirst() }
            switch answer {
            case .ok(let bytes):
                return StreamingServerResponse(single: ServerResponse(message: bytes))
            case .fail(let code, let message, let details):
                var trailers = Metadata()
                if let details { trailers.addBinary(details, forKey: "grpc-status-details-bin") }
                throw RPCError(code: code, message: message, metadata: trailers)
            case .hang:
                // grpc-swift tells a handler of the RPC's cancellation (the client's reset, or its
                // grpc-timeout) through the context, not by cancelling its task.
                for _ in 0..<6000 {
                    if context.cancellation.isCancelled {
                        self.cancelled.withLock { $0 += 1 }
                        throw RPCError(code: .cancelled, message: "cancelled")
                    }
                    try await Task.sleep(for: .milliseconds(10))
                }
                return StreamingServerResponse(single: ServerResponse(message: []))
            }
        }
    }
}

/// Runs `body` with a server of `service` listening on 127.0.0.1 (an ephemeral port) and
/// stops the server afterwards, whether `body` returned or threw.
func withScriptedServer<Result: Sendable>(
    _ service: ScriptedTraceService, _ body: @Sendable (_ port: Int) async throws -> Result
) async throws -> Result {
    var config = HTTP2ServerTransport.Posix.Config.defaults
    config.compression = .init(enabledAlgorithms: .gzip)
    let server = GRPCServer(
        transport: .http2NIOPosix(address: .ipv4(host: "127.0.0.1", port: 0), transportSecurity: .plaintext, config: config),
        services: [service])
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await server.serve() }
        // Stops a hanging handler too: graceful shutdown alone would wait for it.
        defer {
            server.beginGracefulShutdown()
            group.cancelAll()
        }
        guard let port = try await server.listeningAddress?.ipv4?.port else {
            throw RPCError(code: .internalError, message: "the test server has no IPv4 address")
        }
        return try await body(port)
    }
}

/// Runs `work` on a thread of its own, as the reporting pipeline's thread calls the client:
/// `export` and `shutdown` block their thread, which must not be one of the cooperative pool's.
func onOwnThread<Result: Sendable>(_ work: @escaping @Sendable () -> Result) async -> Result {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: work()) }
        thread.start()
    }
}
