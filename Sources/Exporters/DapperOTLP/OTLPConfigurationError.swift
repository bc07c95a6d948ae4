#if OTLPHTTP || OTLPGRPC  // package traits, on by default (README, "Installation")
/// What is wrong with an OTLP exporter's configuration: each case names the environment
/// variable (`OTEL_EXPORTER_OTLP_TIMEOUT`) or the property (`timeout`) the value came from.
///
/// Its text never holds a header's value nor the endpoint's user info (shown as `***`), and
/// quotes other input with its control characters escaped.
public enum OTLPConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The protocol is one OTel defines that Dapper does not implement (`http/json`).
    case unsupportedProtocol(source: String, value: String)
    /// The value cannot be read: `value` is the escaped text, `expected` what is allowed.
    case invalidValue(source: String, value: String, expected: String)
    /// The endpoint cannot be posted to: `endpoint` is redacted.
    case invalidEndpoint(source: String, endpoint: String, reason: String)
    /// A header cannot be read or sent; `reason` names the header, never its value.
    case invalidHeaders(source: String, reason: String)
    /// `OTEL_RESOURCE_ATTRIBUTES` cannot be read.
    case invalidResourceAttributes(source: String, reason: String)
    /// A value set in code is outside its range.
    case outOfRange(name: String, value: String, allowed: String)

    /// The problem in a sentence, naming the variable or property.
    public var description: String {
        switch self {
        case .unsupportedProtocol(let source, let value):
            "\(source): the protocol \"\(value)\" is not supported (use grpc or http/protobuf)"
        case .invalidValue(let source, let value, let expected): "\(source): invalid value \"\(value)\" (expected \(expected))"
        case .invalidEndpoint(let source, let endpoint, let reason): "\(source): cannot send to \"\(endpoint)\": \(reason)"
        case .invalidHeaders(let source, let reason): "\(source): \(reason)"
        case .invalidResourceAttributes(let source, let reason): "\(source): \(reason)"
        case .outOfRange(let name, let value, let allowed): "\(name) must be \(allowed), got \(value)"
        }
    }
}
#endif
