import Dapper

/// Parsing never crashes; what parses formats to text that parses to the same fields.
func checkContextParser(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard let context = try? SpanContext(parsing: bytes) else { return }
    let text = context.description
    guard let again = try? SpanContext(parsing: text) else {
        fatalError("formatted context \(text) does not parse")
    }
    if again.traceID != context.traceID || again.spanID != context.spanID
        || again.parentID != context.parentID || again.flags != context.flags
    {
        fatalError("context \(text) does not round-trip")
    }
}
