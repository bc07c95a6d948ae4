/// Why a `kratos-trace-id` value was not accepted.
public enum SpanContextParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The value is empty.
    case empty
    /// Fewer than four `:`-separated fields (`found` of them).
    case missingFields(found: Int)
    /// Field `field` (0 = trace ID, 1 = span ID, 2 = parent ID, 3 = flags) is not an
    /// unsigned hex number that fits in 64 bits.
    case invalidNumber(field: Int)
    /// The trace ID or the span ID is 0.
    case zeroID

    /// Whether the value is malformed (as opposed to empty, or well-formed with a zero ID).
    package var isMalformed: Bool {
        switch self {
        case .missingFields, .invalidNumber: true
        case .empty, .zeroID: false
        }
    }

    public var description: String {
        switch self {
        case .empty: "empty span context"
        case .missingFields(let found): "malformed span context: \(found) of 4 fields"
        case .invalidNumber(let field): "malformed span context: field \(field) is not a 64-bit hex number"
        case .zeroID: "span context with a zero trace or span ID"
        }
    }
}
