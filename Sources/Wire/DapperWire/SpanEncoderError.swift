/// An encoder cannot be made with the size asked for.
public enum SpanEncoderError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The maximum size is below ``SpanEncoder/smallestMaximumSize``.
    case maximumSizeTooSmall(Int)

    public var description: String {
        switch self {
        case .maximumSizeTooSmall(let size):
            "the maximum span size must be at least \(SpanEncoder.smallestMaximumSize) bytes, got \(size)"
        }
    }
}
