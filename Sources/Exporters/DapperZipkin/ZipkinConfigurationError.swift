#if Zipkin  // a package trait, on by default (README, "Installation")
/// What is wrong with a Zipkin configuration. Its text never holds the URL's user info (shown
/// as `***`) nor a header's value, and quotes input with its control characters escaped.
public enum ZipkinConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text is empty.
    case empty
    /// Only `http://` and `https://` endpoints exist.
    case unsupportedScheme(String)
    /// The URL has no host.
    case missingHost(String)
    /// The URL's host holds characters a host cannot.
    case invalidHost(String)
    /// The URL's port is not a number from 1 to 65535.
    case invalidPort(String)
    /// A reporter parameter's value cannot be read.
    case invalidParameter(name: String, value: String)
    /// A value is outside its allowed range: `name` is the URL parameter or the property,
    /// `allowed` the range in words.
    case outOfRange(name: String, value: String, allowed: String)
    /// A parameter's name or value holds a `%` that is not followed by two hex digits, or
    /// decodes to bytes that are not UTF-8.
    case invalidPercentEncoding(parameter: String)
    /// A header cannot be sent: `name` is its name (empty when there is none), never its value.
    case invalidHeader(name: String, reason: String)
    /// The URL's user info cannot be sent as HTTP Basic authentication.
    case invalidUserInfo(String)

    public var description: String {
        switch self {
        case .empty: "the Zipkin URL is empty"
        case .unsupportedScheme(let text): "\"\(text)\" is not an http:// or https:// URL"
        case .missingHost(let text): "\"\(text)\" has no host"
        case .invalidHost(let text): "\"\(text)\" has an invalid host"
        case .invalidPort(let text): "\"\(text)\" has an invalid port (expected 1 to 65535)"
        case .invalidParameter(let name, let value): "invalid value \"\(value)\" for \(name)"
        case .outOfRange(let name, let value, let allowed): "\(name) must be \(allowed), got \(value)"
        case .invalidPercentEncoding(let parameter): "parameter \(parameter) holds an invalid percent-escape"
        case .invalidHeader(let name, let reason): name.isEmpty ? "invalid header: \(reason)" : "invalid header \(name): \(reason)"
        case .invalidUserInfo(let reason): "the URL's user info cannot be sent as Basic authentication: \(reason)"
        }
    }
}
#endif
