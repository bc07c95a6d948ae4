/// Why a trace could not be continued from a carrier. The server then starts a new trace.
public enum ExtractError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The carrier has no `kratos-trace-id`.
    case notFound
    /// The carrier's `kratos-trace-id` is not a valid span context.
    case malformed(SpanContextParseError)

    public var description: String {
        switch self {
        case .notFound: "no \(Propagation.kratosTraceIDKey) in the carrier"
        case .malformed(let error): "invalid \(Propagation.kratosTraceIDKey): \(error)"
        }
    }
}
