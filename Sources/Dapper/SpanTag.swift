/// A key and a typed value attached to a span (SPEC 4).
public struct SpanTag: Sendable, Hashable {
    /// The tag's name, for example `http.method`.
    public var key: String
    /// The tag's value.
    public var value: SpanTagValue

    /// Creates a tag.
    public init(key: String, value: SpanTagValue) {
        self.key = key
        self.value = value
    }
}

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

/// Tag names with a conventional meaning, as the original defines them.
public enum SpanTagKey {
    /// The span's kind: `server`, `client`, `producer` or `consumer`.
    public static let spanKind = "span.kind"
    /// A bool tag set on a span finished with an error.
    public static let error = "error"
    /// A bool tag set on a span of a debug trace.
    public static let debug = "debug"
    /// The marker of a span that lost tags, logs or size to a limit.
    public static let traceError = "trace.error"
    /// The component that made the span, e.g. `net/http`.
    public static let component = "component"
    /// The database instance name.
    public static let dbInstance = "db.instance"
    /// The database statement.
    public static let dbStatement = "db.statement"
    /// The database type, e.g. `sql` or `redis`.
    public static let dbType = "db.type"
    /// The database user.
    public static let dbUser = "db.user"
    /// The HTTP method.
    public static let httpMethod = "http.method"
    /// The HTTP status code.
    public static let httpStatusCode = "http.status_code"
    /// The HTTP URL.
    public static let httpURL = "http.url"
    /// The remote address.
    public static let peerAddress = "peer.address"
    /// The remote service.
    public static let peerService = "peer.service"
}
