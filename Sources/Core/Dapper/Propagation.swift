/// Where a span context travels between processes: anything with string key/value pairs.
///
/// Ready carriers: ``HTTPHeadersCarrier`` (case-insensitive names), ``GRPCMetadataCarrier``
/// and `[String: String]`. Conform your own request type to inject and extract directly.
public protocol Carrier {
    /// The value stored under `key`, if any.
    func get(_ key: String) -> String?
    /// Stores `value` under `key`, replacing what was there.
    mutating func set(_ key: String, _ value: String)
}

/// Names used in propagation.
public enum Propagation {
    /// The header (HTTP) and metadata key (gRPC) that carries the span context text.
    public static var kratosTraceIDKey: String { "kratos-trace-id" }
}

/// Why a trace could not be continued from a carrier. The server then starts a new trace.
public enum ExtractError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The carrier has no `kratos-trace-id`.
    case notFound
    /// The carrier's `kratos-trace-id` is not a valid span context.
    case malformed(SpanContextParseError)

    public var description: String {
        switch self {
        case .notFound: "no \(Propagation.kratosTraceIDKey) in the carrier"
        case .malformed(let error): "invalid \(Propagation.kratosTraceIDKey): \(error)"
        }
    }
}

/// HTTP header fields as a carrier: names compare case-insensitively (ASCII), values as given.
public struct HTTPHeadersCarrier: Carrier, Sendable, Hashable {
    /// One header field.
    public struct Field: Sendable, Hashable {
        /// The field name, in any case.
        public var name: String
        /// The field value.
        public var value: String

        /// Creates a field.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The fields, in order.
    public var fields: [Field]

    /// Creates a carrier over header fields.
    public init(_ fields: [Field] = []) { self.fields = fields }

    /// Creates a carrier over `(name, value)` pairs.
    public init(_ pairs: [(String, String)]) {
        self.fields = pairs.map { Field(name: $0.0, value: $0.1) }
    }

    /// The value of the first field named `key`, in any case.
    public func get(_ key: String) -> String? {
        fields.first { asciiCaseInsensitiveEquals($0.name, key) }?.value
    }

    /// Replaces every field named `key` (in any case) by one field.
    public mutating func set(_ key: String, _ value: String) {
        fields.removeAll { asciiCaseInsensitiveEquals($0.name, key) }
        fields.append(Field(name: key, value: value))
    }
}

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

extension Dictionary: Carrier where Key == String, Value == String {
    public func get(_ key: String) -> String? { self[key] }
    public mutating func set(_ key: String, _ value: String) { self[key] = value }
}

/// ASCII case-insensitive equality without allocating.
func asciiCaseInsensitiveEquals(_ lhs: String, _ rhs: String) -> Bool {
    guard lhs.utf8.count == rhs.utf8.count else { return false }
    return lhs.utf8.elementsEqual(rhs.utf8) { a, b in
        a == b || (a | 0x20 == b | 0x20 && (a | 0x20) >= UInt8(ascii: "a") && (a | 0x20) <= UInt8(ascii: "z"))
    }
}
