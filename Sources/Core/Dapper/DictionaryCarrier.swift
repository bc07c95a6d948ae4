/// A `[String: String]` as a carrier: keys compare exactly, as the dictionary's do.
///
/// A wrapper rather than a conformance of `Dictionary` itself, which would make every
/// `[String: String]` in a program that imports Dapper a ``Carrier`` and clash with any other
/// module that conformed it.
public struct DictionaryCarrier: Carrier, Sendable, Hashable {
    /// The keys and values.
    public var values: [String: String]

    /// Creates a carrier over `values`.
    public init(_ values: [String: String] = [:]) { self.values = values }

    /// The value stored under exactly `key`.
    public func get(_ key: String) -> String? { values[key] }

    /// Stores `value` under exactly `key`.
    public mutating func set(_ key: String, _ value: String) { values[key] = value }
}
