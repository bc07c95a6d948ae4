/// Where a span context travels between processes: anything with string key/value pairs.
///
/// Ready carriers: ``HTTPHeadersCarrier`` (case-insensitive names) and ``DictionaryCarrier``
/// (exact keys). Conform your own request type to inject and extract directly.
public protocol Carrier {
    /// The value stored under `key`, if any.
    func get(_ key: String) -> String?
    /// Stores `value` under `key`, replacing what was there.
    mutating func set(_ key: String, _ value: String)
}
