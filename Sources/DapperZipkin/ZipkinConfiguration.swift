/// How a ``ZipkinReporter`` sends spans: where, in which encoding, in what batches, with what
/// limits. Set it in code, or from one URL (for example from an environment variable) with
/// ``init(parsing:)``.
public struct ZipkinConfiguration: Sendable, Hashable {
    /// The body format of `POST /api/v2/spans`.
    public enum Encoding: String, Sendable, Hashable, CaseIterable {
        /// Zipkin v2 JSON, `application/json` (the default).
        case json
        /// Zipkin proto3 `ListOfSpans`, `application/x-protobuf`.
        case proto3

        /// The `Content-Type` of a body in this encoding.
        public var contentType: String {
            switch self {
            case .json: "application/json"
            case .proto3: "application/x-protobuf"
            }
        }
    }

    /// Where spans are posted.
    public var endpoint: String = "http://localhost:9411/api/v2/spans"
    /// The body format.
    public var encoding: Encoding = .json
    /// Extra request headers, for example for authentication.
    public var headers: [(name: String, value: String)] = []
    /// Spans waiting to be sent, at most; more are dropped as ``Dapper/DropReason/queueFull``.
    public var queueCapacity: Int = 10_000
    /// Bytes of spans waiting in the queue, at most (estimated from their text; the batch
    /// being sent is bounded by ``maximumBatchBytes`` instead); more are dropped as
    /// ``Dapper/DropReason/queueFull``.
    public var queueByteLimit: Int = 32 * 1024 * 1024
    /// Spans in one request, at most.
    public var maximumBatchSpans: Int = 100
    /// Bytes in one request body, at most.
    public var maximumBatchBytes: Int = 500_000
    /// A span waits at most this long before it is sent, even when its batch is not full.
    public var flushInterval: Duration = .seconds(1)
    /// How long one request may take.
    public var requestTimeout: Duration = .seconds(5)
    /// How many times a batch is tried, at most (the first try included).
    public var maximumAttempts: Int = 3
    /// The wait before the first retry; it doubles for each further retry.
    public var minimumRetryDelay: Duration = .milliseconds(100)
    /// The longest wait between retries.
    public var maximumRetryDelay: Duration = .seconds(2)

    /// The default configuration: JSON to `http://localhost:9411/api/v2/spans`.
    public init() {}

    /// The environment variable that ``fromEnvironment(_:)`` reads: `ZIPKIN`.
    public static var environmentVariable: String { "ZIPKIN" }

    /// Parses a configuration URL: the endpoint, with the reporter's options as parameters
    /// that are removed from the URL before it is used.
    ///
    /// ```
    /// http://zipkin:9411/api/v2/spans?encoding=proto3&batch_spans=200&timeout=2s
    /// ```
    ///
    /// Parameters: `encoding` (`json`, `proto3`), `queue` (spans), `queue_bytes`,
    /// `batch_spans`, `batch_bytes`, `flush_interval`, `timeout`, `attempts`, and
    /// `header=Name:Value` (repeatable). Durations are Go durations (`500ms`, `1s`).
    /// Other parameters stay in the endpoint URL.
    ///
    /// - Throws: ``ZipkinConfigurationError`` naming the problem.
    public init(parsing text: String) throws(ZipkinConfigurationError) {
        self.init()
        let trimmed = text.trimmingCharacters(in: " \t\n\r")
        guard !trimmed.isEmpty else { throw .empty }
        let lower = trimmed.lowercased()
        guard lower.hasPrefix("http://") || lower.hasPrefix("https://") else { throw .unsupportedScheme(trimmed) }
        let schemeEnd = trimmed.index(trimmed.startIndex, offsetBy: lower.hasPrefix("https://") ? 8 : 7)
        let afterScheme = trimmed[schemeEnd...]
        guard let hostStart = afterScheme.first, hostStart != "/", hostStart != "?", hostStart != ":" else {
            throw .missingHost(trimmed)
        }
        var base = trimmed
        var kept: [Substring] = []
        if let mark = trimmed.firstIndex(of: "?") {
            base = String(trimmed[..<mark])
            for pair in trimmed[trimmed.index(after: mark)...].split(separator: "&", omittingEmptySubsequences: true) {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let name = String(parts[0])
                let value = parts.count > 1 ? String(parts[1]) : ""
                func positive() throws(ZipkinConfigurationError) -> Int {
                    guard let number = Int(value), number > 0 else { throw .invalidParameter(name: name, value: value) }
                    return number
                }
                func duration() throws(ZipkinConfigurationError) -> Duration {
                    guard let parsed = parseDuration(value), parsed > .zero else {
                        throw .invalidParameter(name: name, value: value)
                    }
                    return parsed
                }
                switch name {
                case "encoding":
                    guard let parsed = Encoding(rawValue: value) else { throw .invalidParameter(name: name, value: value) }
                    encoding = parsed
                case "queue": queueCapacity = try positive()
                case "queue_bytes": queueByteLimit = try positive()
                case "batch_spans": maximumBatchSpans = try positive()
                case "batch_bytes": maximumBatchBytes = try positive()
                case "attempts": maximumAttempts = try positive()
                case "flush_interval": flushInterval = try duration()
                case "timeout": requestTimeout = try duration()
                case "header":
                    guard let colon = value.firstIndex(of: ":"), colon != value.startIndex else {
                        throw .invalidParameter(name: name, value: value)
                    }
                    let headerName = String(value[..<colon]).trimmingCharacters(in: " ")
                    let headerValue = String(value[value.index(after: colon)...]).trimmingCharacters(in: " ")
                    headers.append((headerName, headerValue))
                default:
                    kept.append(pair)
                }
            }
        }
        endpoint = kept.isEmpty ? base : base + "?" + kept.joined(separator: "&")
    }

    /// The configuration in `ZIPKIN`, or `nil` when it is unset or empty.
    ///
    /// - Throws: ``ZipkinConfigurationError`` when `ZIPKIN` is malformed.
    public static func fromEnvironment(_ environment: [String: String]) throws(ZipkinConfigurationError) -> ZipkinConfiguration? {
        guard let value = environment[environmentVariable], !value.trimmingCharacters(in: " \t\n\r").isEmpty else {
            return nil
        }
        return try ZipkinConfiguration(parsing: value)
    }

    public static func == (lhs: ZipkinConfiguration, rhs: ZipkinConfiguration) -> Bool {
        lhs.endpoint == rhs.endpoint && lhs.encoding == rhs.encoding
            && lhs.headers.elementsEqual(rhs.headers) { $0.name == $1.name && $0.value == $1.value }
            && lhs.queueCapacity == rhs.queueCapacity && lhs.queueByteLimit == rhs.queueByteLimit
            && lhs.maximumBatchSpans == rhs.maximumBatchSpans && lhs.maximumBatchBytes == rhs.maximumBatchBytes
            && lhs.flushInterval == rhs.flushInterval && lhs.requestTimeout == rhs.requestTimeout
            && lhs.maximumAttempts == rhs.maximumAttempts && lhs.minimumRetryDelay == rhs.minimumRetryDelay
            && lhs.maximumRetryDelay == rhs.maximumRetryDelay
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(endpoint)
        hasher.combine(encoding)
        hasher.combine(maximumBatchSpans)
    }
}

/// What is wrong with a Zipkin configuration URL.
public enum ZipkinConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text is empty.
    case empty
    /// Only `http://` and `https://` endpoints exist.
    case unsupportedScheme(String)
    /// The URL has no host.
    case missingHost(String)
    /// A reporter parameter's value cannot be read.
    case invalidParameter(name: String, value: String)

    public var description: String {
        switch self {
        case .empty: "the Zipkin URL is empty"
        case .unsupportedScheme(let text): "\"\(text)\" is not an http:// or https:// URL"
        case .missingHost(let text): "\"\(text)\" has no host"
        case .invalidParameter(let name, let value): "invalid value \"\(value)\" for \(name)"
        }
    }
}

extension String {
    fileprivate func trimmingCharacters(in characters: String) -> String {
        let set = Set(characters.unicodeScalars)
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !set.contains($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !set.contains($0) })!
        return String(scalars[first...last])
    }
}

/// A Go-style duration: `500ms`, `1s`, `1.5s`, `1m30s` (units ns, us, ms, s, m, h).
func parseDuration(_ text: String) -> Duration? {
    var rest = Substring(text)
    guard !rest.isEmpty else { return nil }
    var nanos: Double = 0
    while !rest.isEmpty {
        let number = rest.prefix { $0.isNumber || $0 == "." }
        guard !number.isEmpty, let value = Double(number) else { return nil }
        rest = rest.dropFirst(number.count)
        let unit = rest.prefix { !($0.isNumber || $0 == ".") }
        rest = rest.dropFirst(unit.count)
        switch unit {
        case "ns": nanos += value
        case "us", "µs": nanos += value * 1e3
        case "ms": nanos += value * 1e6
        case "s": nanos += value * 1e9
        case "m": nanos += value * 60e9
        case "h": nanos += value * 3600e9
        default: return nil
        }
    }
    guard nanos.isFinite, nanos < 1e18 else { return nil }
    return .nanoseconds(Int64(nanos.rounded()))
}
