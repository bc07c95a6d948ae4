/// A key and a typed value attached to a span (Compatibility §4).
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
///
/// Computed properties returning literals, so that reading one on a hot path costs nothing.
public enum SpanTagKey {
    /// The span's kind: `server`, `client`, `producer` or `consumer`.
    public static var spanKind: String { "span.kind" }
    /// A bool tag set on a span finished with an error.
    public static var error: String { "error" }
    /// A bool tag set on a span of a debug trace.
    public static var debug: String { "debug" }
    /// The marker of a span that lost tags, logs or size to a limit.
    public static var traceError: String { "trace.error" }
    /// The component that made the span, e.g. `net/http`.
    public static var component: String { "component" }
    /// The database instance name.
    public static var dbInstance: String { "db.instance" }
    /// The database statement.
    public static var dbStatement: String { "db.statement" }
    /// The database type, e.g. `sql` or `redis`.
    public static var dbType: String { "db.type" }
    /// The database user.
    public static var dbUser: String { "db.user" }
    /// The HTTP method.
    public static var httpMethod: String { "http.method" }
    /// The HTTP status code.
    public static var httpStatusCode: String { "http.status_code" }
    /// The HTTP URL.
    public static var httpURL: String { "http.url" }
    /// The remote address.
    public static var peerAddress: String { "peer.address" }
    /// The remote service.
    public static var peerService: String { "peer.service" }
}

/// The tags of a span: the tracer's default tags and the `span.kind` tag, shared by every span
/// of the tracer, then the span's own tags.
///
/// A `RandomAccessCollection` of ``SpanTag``, in that order. Sharing the common prefix means
/// that starting a span copies no tags.
public struct SpanTags: Sendable, Hashable, RandomAccessCollection, ExpressibleByArrayLiteral {
    /// The prefix shared between spans.
    var shared: [SpanTag]
    /// The span's own tags.
    var own: [SpanTag]

    /// Creates tags from an array.
    public init(_ tags: [SpanTag]) {
        shared = []
        own = tags
    }

    /// Creates tags from a list.
    public init(arrayLiteral elements: SpanTag...) { self.init(elements) }

    init(shared: [SpanTag], own: [SpanTag]) {
        self.shared = shared
        self.own = own
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { shared.count + own.count }

    public subscript(position: Int) -> SpanTag {
        get { position < shared.count ? shared[position] : own[position - shared.count] }
        set {
            if position < shared.count { shared[position] = newValue } else { own[position - shared.count] = newValue }
        }
    }

    /// Appends a tag.
    public mutating func append(_ tag: SpanTag) { own.append(tag) }

    /// The shared prefix (default tags and `span.kind`): the same array for every span of a
    /// tracer, which an encoder may recognise to reuse its encoding.
    package var sharedPrefix: [SpanTag] { shared }

    /// Calls `body` with the shared prefix and the span's own tags as two buffers, so that an
    /// encoder can read every tag in place, without copying (and retaining) each one.
    package func withBuffers<Result>(
        _ body: (_ shared: UnsafeBufferPointer<SpanTag>, _ own: UnsafeBufferPointer<SpanTag>) throws -> Result
    ) rethrows -> Result {
        try shared.withUnsafeBufferPointer { shared in
            try own.withUnsafeBufferPointer { own in try body(shared, own) }
        }
    }

    public static func == (lhs: SpanTags, rhs: SpanTags) -> Bool { lhs.elementsEqual(rhs) }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for tag in self { hasher.combine(tag) }
    }
}
