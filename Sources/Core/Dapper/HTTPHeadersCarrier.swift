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

/// ASCII case-insensitive equality without allocating.
private func asciiCaseInsensitiveEquals(_ lhs: String, _ rhs: String) -> Bool {
    guard lhs.utf8.count == rhs.utf8.count else { return false }
    return lhs.utf8.elementsEqual(rhs.utf8) { a, b in
        a == b || (a | 0x20 == b | 0x20 && (a | 0x20) >= UInt8(ascii: "a") && (a | 0x20) <= UInt8(ascii: "z"))
    }
}
