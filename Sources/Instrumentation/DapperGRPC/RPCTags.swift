#if GRPC  // a package trait, on by default (README, "Installation")
import GRPCCore
import Tracing

/// The `rpc.*` tags both sides set (OpenTelemetry's RPC conventions, which Zipkin shows as is).
enum RPCTags {
    static let system = "rpc.system"
    static let service = "rpc.service"
    static let method = "rpc.method"
    static let statusCode = "rpc.grpc.status_code"
    static let peer = "net.peer.name"
    /// Set on a client span whose caller stopped reading the response before its status.
    static let abandoned = "rpc.grpc.response_abandoned"

    static func record(_ descriptor: MethodDescriptor, peer: String, on span: some Tracing.Span) {
        span.attributes = [
            system: "grpc",
            service: .string(descriptor.service.fullyQualifiedService),
            method: .string(descriptor.method),
            Self.peer: .string(peer),
        ]
    }
}
#endif
