/// gRPC metadata as a carrier: `[key: values]`. Keys are lower case on the wire; lookups fall
/// back to a case-insensitive match, and the first value is the one read.
public struct GRPCMetadataCarrier: Carrier, Sendable, Hashable {
    /// The metadata.
    public var metadata: [String: [String]]

    /// Creates a carrier over metadata.
    public init(_ metadata: [String: [String]] = [:]) { self.metadata = metadata }

    public func get(_ key: String) -> String? {
        if let values = metadata[key] { return values.first }
        return metadata.first { asciiCaseInsensitiveEquals($0.key, key) }?.value.first
    }

    /// Stores `value` as the only value of `key`, replacing the key in any case.
    public mutating func set(_ key: String, _ value: String) {
        for existing in metadata.keys where existing != key && asciiCaseInsensitiveEquals(existing, key) {
            metadata[existing] = nil
        }
        metadata[key] = [value]
    }
}
