import Dapper

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Where and how the agent reporter sends spans, in the Go original's DSN form (Compatibility §8):
/// `network://address?timeout=200ms&disable_sample=false&protocol_version=1`.
///
/// ```swift
/// let dsn = try AgentDSN(parsing: "udp://127.0.0.1:6831?timeout=100ms")
/// let local = try AgentDSN.fromEnvironment()   // $TRACE, or the default socket
/// ```
///
/// - `unixgram:///var/run/dapper-collect/dapper-collect.sock`: the address is an absolute path
///   (at most 107 bytes, the size of `sun_path`).
/// - `udp://HOST:PORT`, `tcp://HOST:PORT`; an IPv6 host in brackets: `udp://[::1]:6831`;
///   no host (`udp://:6831`) means 127.0.0.1, for sending and for listening alike.
public struct AgentDSN: Sendable, Hashable, CustomStringConvertible {
    /// The transport to the agent.
    public enum Network: String, Sendable, Hashable, CaseIterable {
        /// A Unix datagram socket: one span per datagram (the default).
        case unixgram
        /// UDP: one span per datagram.
        case udp
        /// TCP: spans framed by a varint length prefix.
        case tcp
    }

    /// The transport.
    public var network: Network
    /// A socket path for `unixgram`, `HOST:PORT` for `udp` and `tcp`.
    public var address: String
    /// The longest a write (or a connect) may block the reporter's writer thread
    /// (``timeoutRange``; ``AgentReporter`` refuses others).
    public var timeout: Duration
    /// Carried from the Go DSN, where it asked to report spans whatever the sampler said;
    /// this implementation reports the spans its tracer records and keeps the value only so
    /// that Go DSNs parse and print unchanged.
    public var disableSample: Bool
    /// The span encoding: only version 1 (`span.proto`) exists.
    public var protocolVersion: Int

    /// `unixgram:///var/run/dapper-collect/dapper-collect.sock`, the Go original's default.
    public static let `default` = AgentDSN(network: .unixgram, address: "/var/run/dapper-collect/dapper-collect.sock")

    /// The environment variable holding the DSN: `TRACE`.
    public static var environmentVariable: String { "TRACE" }

    /// Creates a DSN from its parts.
    public init(
        network: Network,
        address: String,
        timeout: Duration = .milliseconds(200),
        disableSample: Bool = false,
        protocolVersion: Int = 1
    ) {
        self.network = network
        self.address = address
        self.timeout = timeout
        self.disableSample = disableSample
        self.protocolVersion = protocolVersion
    }

    /// Parses DSN text.
    ///
    /// - Throws: ``AgentDSNError``, naming what is wrong.
    public init(parsing text: String) throws(AgentDSNError) {
        let trimmed = text.trimmingSpaces
        guard !trimmed.isEmpty else { throw .empty }
        guard let separator = Self.schemeSeparator(in: trimmed) else { throw .missingScheme(text) }
        let scheme = String(trimmed[..<separator.lowerBound])
        guard let network = Network(rawValue: scheme.lowercased()) else { throw .unknownNetwork(scheme) }
        var rest = trimmed[separator.upperBound...]
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        let address = String(rest)
        guard !address.isEmpty else { throw .missingAddress(text) }
        switch network {
        case .unixgram:
            guard address.hasPrefix("/") else { throw .relativeUnixPath(address) }
            guard address.utf8.count <= Self.maximumUnixPathLength else {
                throw .unixPathTooLong(address, limit: Self.maximumUnixPathLength)
            }
        case .udp, .tcp:
            try Self.validateHostPort(address)
        }
        self.init(network: network, address: address)
        var seen: Set<String> = []
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            let value = parts.count > 1 ? String(parts[1]) : ""
            guard seen.insert(name).inserted else { throw .duplicateParameter(name) }
            switch name {
            case "timeout":
                guard let duration = GoDuration.parse(value) else { throw .invalidParameter(name: name, value: value) }
                guard Self.timeoutRange.contains(duration) else {
                    throw .parameterOutOfRange(
                        name: name, value: value,
                        allowed: AllowedRange.describe(Self.timeoutRange))
                }
                timeout = duration
            case "disable_sample":
                switch value.lowercased() {
                case "true", "1": disableSample = true
                case "false", "0": disableSample = false
                default: throw .invalidParameter(name: name, value: value)
                }
            case "protocol_version":
                guard let version = Int(value) else { throw .invalidParameter(name: name, value: value) }
                guard version == 1 else { throw .unsupportedProtocolVersion(version) }
                protocolVersion = version
            default:
                throw .unknownParameter(name)
            }
        }
    }

    /// The DSN in `TRACE`, or ``default`` when it is unset or empty.
    ///
    /// - Parameter environment: Variables to read instead of the process environment.
    /// - Throws: ``AgentDSNError`` when `TRACE` holds a malformed DSN.
    public static func fromEnvironment(_ environment: [String: String]? = nil) throws(AgentDSNError) -> AgentDSN {
        let value: String?
        if let environment {
            value = environment[environmentVariable]
        } else {
            value = getenv(environmentVariable).map { String(cString: $0) }
        }
        guard let value, !value.trimmingSpaces.isEmpty else { return .default }
        return try AgentDSN(parsing: value)
    }

    /// The canonical text, which parses back to an equal value.
    public var description: String {
        "\(network.rawValue)://\(address)?timeout=\(GoDuration.format(timeout))"
            + "&disable_sample=\(disableSample)&protocol_version=\(protocolVersion)"
    }

    private static func schemeSeparator(in text: Substring) -> Range<Substring.Index>? {
        var index = text.startIndex
        while index < text.endIndex {
            if text[index...].hasPrefix("://") { return index..<text.index(index, offsetBy: 3) }
            index = text.index(after: index)
        }
        return nil
    }

    /// The allowed ``timeout``: more than zero, at most an hour.
    public static let timeoutRange = Duration.nanoseconds(1)...Duration.seconds(3600)

    /// `sun_path` holds 108 bytes including the terminating NUL.
    static let maximumUnixPathLength = 107

    private static func validateHostPort(_ address: String) throws(AgentDSNError) {
        guard let (host, port) = splitHostPort(address) else { throw .missingPort(address) }
        // An empty host (`udp://:6831`) means this machine: 127.0.0.1, as for Go's dialer.
        guard host.utf8.allSatisfy({ $0 > 0x20 && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "[") && $0 != UInt8(ascii: "]") })
        else { throw .invalidHost(address) }
        guard !port.isEmpty else { throw .missingPort(address) }
        guard port.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let number = Int(port),
            (1...65535).contains(number)
        else { throw .invalidPort(address) }
    }
}

extension String {
    fileprivate var trimmingSpaces: Substring {
        let bytes = utf8
        guard let first = bytes.firstIndex(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0a && $0 != 0x0d }) else {
            return ""
        }
        let last = bytes.lastIndex(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0a && $0 != 0x0d }) ?? first
        return self[first...last]
    }
}
