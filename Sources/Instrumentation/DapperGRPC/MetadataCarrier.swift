#if GRPC  // a package trait, on by default (README, "Installation")
import GRPCCore
import Tracing
import Instrumentation

/// Reads trace headers from gRPC metadata (keys are lower-case in gRPC).
struct MetadataExtractor: Extractor {
    func extract(key: String, from metadata: Metadata) -> String? {
        metadata[stringValues: key].first(where: { _ in true })
    }
}

/// Writes trace headers into gRPC metadata, replacing a value already there (a retried call
/// carries its own attempt's span).
struct MetadataInjector: Injector {
    func inject(_ value: String, forKey key: String, into metadata: inout Metadata) {
        metadata.replaceOrAddString(value, forKey: key)
    }
}

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
