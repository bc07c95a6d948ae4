/// A tag's value: the four kinds that `span.proto` carries.
///
/// Every integer width is carried as `Int64` and every float as `Double`, as on the wire.
public enum SpanTagValue: Sendable, Hashable {
    /// Text, sent as UTF-8 bytes.
    case string(String)
    /// An integer, sent as 8 bytes big-endian two's complement.
    case int(Int64)
    /// A boolean, sent as one byte.
    case bool(Bool)
    /// A floating-point number, sent as 8 bytes big-endian IEEE-754 double.
    case double(Double)
}

extension SpanTagValue: CustomStringConvertible {
    /// The value's text: strings as they are, booleans as `true`/`false`, integers in decimal,
    /// doubles as the shortest text that reads back as the same value.
    public var description: String {
        switch self {
        case .string(let value): value
        case .int(let value): String(value)
        case .bool(let value): value ? "true" : "false"
        case .double(let value): value.description
        }
    }
}

extension SpanTagValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
}
