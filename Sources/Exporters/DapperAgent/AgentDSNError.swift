import Dapper

/// What is wrong with a DSN.
public enum AgentDSNError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text is empty.
    case empty
    /// The text has no `network://` prefix.
    case missingScheme(String)
    /// The network is not `unixgram`, `udp` or `tcp`.
    case unknownNetwork(String)
    /// Nothing follows `network://`.
    case missingAddress(String)
    /// A `unixgram` address must be an absolute path (`unixgram:///path`).
    case relativeUnixPath(String)
    /// A `unixgram` path longer than a socket address holds.
    case unixPathTooLong(String, limit: Int)
    /// The host of a `udp` or `tcp` address is invalid.
    case invalidHost(String)
    /// A `udp` or `tcp` address has no port.
    case missingPort(String)
    /// The port is not a number from 1 to 65535.
    case invalidPort(String)
    /// A parameter's value cannot be read.
    case invalidParameter(name: String, value: String)
    /// A parameter's value is outside its allowed range (`allowed`, in words).
    case parameterOutOfRange(name: String, value: String, allowed: String)
    /// A parameter the DSN does not define.
    case unknownParameter(String)
    /// A parameter given twice.
    case duplicateParameter(String)
    /// A protocol version other than 1.
    case unsupportedProtocolVersion(Int)

    /// The error in words; the input it quotes has its control characters escaped, so that a
    /// DSN read from the environment cannot forge log lines.
    public var description: String {
        switch self {
        case .empty: "the DSN is empty"
        case .missingScheme(let text): "\"\(TerminalEscaping.escaped(text))\" has no network (expected unixgram://, udp:// or tcp://)"
        case .unknownNetwork(let network): "unknown network \"\(TerminalEscaping.escaped(network))\" (expected unixgram, udp or tcp)"
        case .missingAddress(let text): "\"\(TerminalEscaping.escaped(text))\" has no address"
        case .relativeUnixPath(let path): "unixgram path \"\(TerminalEscaping.escaped(path))\" is not absolute (write unixgram:///path)"
        case .unixPathTooLong(let path, let limit): "unixgram path \"\(TerminalEscaping.escaped(path))\" is longer than \(limit) bytes"
        case .invalidHost(let address): "\"\(TerminalEscaping.escaped(address))\" has no valid host"
        case .missingPort(let address): "\"\(TerminalEscaping.escaped(address))\" has no port (expected HOST:PORT)"
        case .invalidPort(let address): "\"\(TerminalEscaping.escaped(address))\" has no valid port (1 to 65535)"
        case .invalidParameter(let name, let value): "invalid value \"\(TerminalEscaping.escaped(value))\" for \(TerminalEscaping.escaped(name))"
        case .parameterOutOfRange(let name, let value, let allowed):
            "\(TerminalEscaping.escaped(name)) must be \(allowed), got \(TerminalEscaping.escaped(value))"
        case .unknownParameter(let name): "unknown parameter \"\(TerminalEscaping.escaped(name))\" (known: timeout, disable_sample, protocol_version)"
        case .duplicateParameter(let name): "parameter \"\(TerminalEscaping.escaped(name))\" is given twice"
        case .unsupportedProtocolVersion(let version): "protocol version \(version) is not supported (only 1)"
        }
    }
}
