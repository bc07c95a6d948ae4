#if DistributedTracing  // a package trait, on by default (README, "Installation")
import Dapper

/// Why a header present in a request could not be continued.
package enum TraceHeaderError: Error, Hashable, Sendable, CustomStringConvertible {
    /// `kratos-trace-id` does not parse (Compatibility §1).
    case kratos(SpanContextParseError)
    /// A B3 header (named) is malformed.
    case b3(header: String, value: String)
    /// `traceparent` is malformed.
    case traceparent(String)

    /// The problem, with at most the first 64 characters of the peer's value, control
    /// characters escaped, so that a hostile header can neither flood nor forge a log line.
    package var description: String {
        switch self {
        case .kratos(let error): "malformed kratos-trace-id: \(error)"
        case .b3(let header, let value): "malformed \(header): \(Self.excerpt(value))"
        case .traceparent(let value): "malformed traceparent: \(Self.excerpt(value))"
        }
    }

    static func excerpt(_ value: String) -> String {
        let limit = 64
        let head = value.unicodeScalars.prefix(limit)
        let quoted = "\"" + TerminalEscaping.escaped(String(String.UnicodeScalarView(head))).replacing("\"", with: "\\\"") + "\""
        return head.count < value.unicodeScalars.count ? quoted + "\u{2026} (\(value.utf8.count) bytes)" : quoted
    }
}
#endif
