/// Why a span could not be encoded.
public enum SpanEncodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The span needs `size` bytes, more than `limit`, even without its tags and logs (its
    /// names alone are too long).
    case oversize(size: Int, limit: Int)

    public var description: String {
        switch self {
        case .oversize(let size, let limit):
            "span of \(size) bytes exceeds the \(limit)-byte limit even without tags and logs"
        }
    }
}
