#if OTLPGRPC  // a package trait, on by default (README, "Installation")
import GRPCCore

/// grpc-swift's serializer for a message that is already protobuf bytes: the bytes as they are.
/// The request is encoded by protobuf-c (`OTLPSpanEncoder`), so no generated Swift message type
/// stands between it and the wire.
package struct RawMessageSerializer: MessageSerializer {
    package typealias Message = [UInt8]

    package init() {}

    package func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes {
        Bytes(message)
    }
}

/// grpc-swift's deserializer that keeps a message's bytes as they arrived, for the caller to
/// decode (or, for a server, to compare).
package struct RawMessageDeserializer: MessageDeserializer {
    package typealias Message = [UInt8]

    package init() {}

    package func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
        serializedMessageBytes.withUnsafeBytes { Array($0) }
    }
}
#endif
