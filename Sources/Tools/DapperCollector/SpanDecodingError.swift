/// Why bytes could not be decoded as a span.
public enum SpanDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The input is larger than the decoder accepts.
    case tooLarge(size: Int, limit: Int)
    /// protobuf-c could not parse the input as a `dapper.trace.Span`.
    case malformed
    /// The span's `version` field is not 1.
    case unsupportedVersion(Int)
    /// A text field holds bytes that are not UTF-8.
    case invalidUTF8(field: String)
    /// A tag's value has the wrong width for its kind (8 bytes for INT and FLOAT, 1 for BOOL).
    case invalidTagValue(key: String, kind: Int, length: Int)
    /// A tag has a kind span.proto does not define.
    case unknownTagKind(key: String, kind: Int)
    /// A reference has a type span.proto does not define.
    case unknownReferenceType(Int)
    /// A time does not fit in 64-bit nanoseconds.
    case timeOutOfRange(field: String)

    public var description: String {
        switch self {
        case .tooLarge(let size, let limit): "span of \(size) bytes exceeds the \(limit)-byte limit"
        case .malformed: "bytes are not a dapper.trace.Span message"
        case .unsupportedVersion(let version): "span protocol version \(version) is not supported (expected 1)"
        case .invalidUTF8(let field): "field \(field) is not valid UTF-8"
        case .invalidTagValue(let key, let kind, let length):
            "tag \"\(key)\" of kind \(kind) has a \(length)-byte value"
        case .unknownTagKind(let key, let kind): "tag \"\(key)\" has unknown kind \(kind)"
        case .unknownReferenceType(let type): "reference type \(type) is unknown"
        case .timeOutOfRange(let field): "\(field) does not fit in 64-bit nanoseconds"
        }
    }
}
