/// Where a span context travels between processes: anything with string key/value pairs.
///
/// Ready carriers: ``HTTPHeadersCarrier`` (case-insensitive names) and ``DictionaryCarrier``
/// (exact keys). Conform your own request type to inject and extract directly.
public protocol Carrier {
    /// The value stored under `key`, if any.
    func get(_ key: String) -> String?
    /// Stores `value` under `key`, replacing what was there.
    mutating func set(_ key: String, _ value: String)
    /// Stores the ASCII text `value` under `key`, replacing what was there; `value` is valid
    /// only during the call.
    ///
    /// ``SpanContext/inject(into:)`` writes the context's text on the stack and hands it over
    /// here. The default makes a `String` and calls ``set(_:_:)``; a carrier that keeps its
    /// values as bytes (an encoded header block, a metadata buffer) implements this to copy
    /// the bytes where they belong, and injects without allocating.
    mutating func set(_ key: String, ascii value: UnsafeRawBufferPointer)
}

extension Carrier {
    /// Makes a `String` of `value` and stores it with ``set(_:_:)``: one allocation, as
    /// storing ``SpanContext/description`` would cost.
    public mutating func set(_ key: String, ascii value: UnsafeRawBufferPointer) {
        set(key, String(decoding: value, as: UTF8.self))
    }
}
