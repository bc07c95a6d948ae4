#if OTLPGRPC  // a package trait, on by default (README, "Installation")
import Dapper

/// Why an ``OTLPGRPCClient`` could not be created. The messages quote configured names,
/// escaped, and never a metadata value.
package enum OTLPGRPCClientError: Error, Equatable, CustomStringConvertible {
    /// The host is empty.
    case emptyHost
    /// The port is outside 1…65535.
    case invalidPort(Int)
    /// A metadata name that gRPC does not allow: empty, other than `0-9 a-z - _ .` once
    /// lower-cased, reserved (`grpc-…`), or binary (`…-bin`, whose values are not text).
    case invalidMetadataName(String)
    /// A metadata value that is not printable ASCII (gRPC's rule for text values); the
    /// value itself is not kept.
    case invalidMetadataValue(name: String)
    /// grpc-swift's transport could not be created (no resolver for the target).
    case transport(String)

    package var description: String {
        switch self {
        case .emptyHost:
            "OTLP/gRPC: the collector's host is empty"
        case .invalidPort(let port):
            "OTLP/gRPC: the port \(port) is outside 1...65535"
        case .invalidMetadataName(let name):
            "OTLP/gRPC: the metadata name \"\(TerminalEscaping.escaped(name))\" is not allowed (gRPC allows 0-9 a-z - _ ., not grpc-... nor ...-bin)"
        case .invalidMetadataValue(let name):
            "OTLP/gRPC: the value of metadata \"\(TerminalEscaping.escaped(name))\" is not printable ASCII (value not shown)"
        case .transport(let message):
            "OTLP/gRPC: the transport could not be created: \(TerminalEscaping.escaped(message))"
        }
    }
}
#endif
