#if Zipkin  // a package trait, on by default (README, "Installation")
import Dapper
import DapperExporterSupport

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

    /// Where spans are posted. User info (`http://user:password@host/…`) is sent as HTTP Basic
    /// authentication, not in the URL, unless ``headers`` has an `Authorization` header;
    /// messages show it as `***` (``redactedEndpoint``).
    public var endpoint: String = "http://localhost:9411/api/v2/spans"
    /// The body format.
    public var encoding: Encoding = .json
    /// Extra request headers, for example for authentication. A name must be an HTTP token and
    /// a value must hold no control character (the reporter refuses others at creation).
    /// Values never appear in messages or descriptions.
    public var headers: [(name: String, value: String)] = []
    /// Spans waiting to be sent, at most (``queueCapacityRange``); more are dropped as
    /// ``/Dapper/DropReason/queueFull``.
    public var queueCapacity: Int = 10_000
    /// Bytes of spans waiting in the queue, at most (estimated from their text; the batch
    /// being sent is bounded by ``maximumBatchBytes`` instead); more are dropped as
    /// ``/Dapper/DropReason/queueFull`` (``queueByteLimitRange``).
    public var queueByteLimit: Int = 32 * 1024 * 1024
    /// Spans in one request, at most (``maximumBatchSpansRange``).
    public var maximumBatchSpans: Int = 100
    /// Bytes in one request body, at most (``maximumBatchBytesRange``).
    public var maximumBatchBytes: Int = 500_000
    /// A span waits at most this long before it is sent, even when its batch is not full
    /// (``intervalRange``).
    public var flushInterval: Duration = .seconds(1)
    /// How long one request may take (``intervalRange``).
    public var requestTimeout: Duration = .seconds(5)
    /// How many times a batch is tried, at most, the first try included
    /// (``maximumAttemptsRange``).
    public var maximumAttempts: Int = 3
    /// The wait before the first retry; it doubles for each further retry
    /// (``retryDelayRange``).
    public var minimumRetryDelay: Duration = .milliseconds(100)
    /// The longest wait between retries: at least ``minimumRetryDelay``, at most the upper
    /// bound of ``retryDelayRange``.
    public var maximumRetryDelay: Duration = .seconds(2)
    /// Whether the reporter publishes its statistics through swift-metrics
    /// (``/DapperReporting/BatchingConfiguration/emitsMetrics``).
    public var emitsMetrics = true
    /// Labels added to the reporter's metrics besides `exporter="zipkin"`, to tell two Zipkin
    /// reporters apart (``/DapperReporting/BatchingConfiguration/metricsLabels``).
    public var metricsLabels: [String: String] = [:]

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
    /// `header=Name:Value` (repeatable). Durations are Go durations (`500ms`, `1s`). Each
    /// value must be in its range (``queueCapacityRange`` and the others). Names and values
    /// are percent-decoded (`Bearer%20TOKEN` is `Bearer TOKEN`; a `+` stays a `+`). Other
    /// parameters stay in the endpoint URL as written.
    ///
    /// User info in the URL (`http://user:password@host/…`) is sent as HTTP Basic
    /// authentication, unless an `Authorization` header is configured: that header wins.
    ///
    /// - Throws: ``ZipkinConfigurationError`` naming the problem; it never quotes the user
    ///   info or a header value.
    public init(parsing text: String) throws(ZipkinConfigurationError) {
        self.init()
        let trimmed = text.trimmingCharacters(in: " \t\n\r")
        guard !trimmed.isEmpty else { throw .empty }
        let mark = trimmed.firstIndex(of: "?")
        let base = String(trimmed[..<(mark ?? trimmed.endIndex)])
        _ = try ZipkinEndpoint(base)
        var kept: [Substring] = []
        if let mark {
            for pair in trimmed[trimmed.index(after: mark)...].split(separator: "&", omittingEmptySubsequences: true) {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard let name = percentDecoded(parts[0]) else {
                    throw .invalidPercentEncoding(parameter: TerminalEscaping.escaped(String(parts[0])))
                }
                guard Self.parameters.contains(name) else {
                    kept.append(pair)
                    continue
                }
                guard let value = percentDecoded(parts.count > 1 ? parts[1] : "") else {
                    throw .invalidPercentEncoding(parameter: name)
                }
                try apply(name, value)
            }
        }
        endpoint = kept.isEmpty ? base : base + "?" + kept.joined(separator: "&")
        try validate()
    }

    /// The parameters ``init(parsing:)`` takes out of the URL.
    private static let parameters: Set<String> = [
        "encoding", "queue", "queue_bytes", "batch_spans", "batch_bytes", "attempts", "flush_interval", "timeout",
        "header",
    ]

    private mutating func apply(_ name: String, _ value: String) throws(ZipkinConfigurationError) {
        func integer(_ range: ClosedRange<Int>) throws(ZipkinConfigurationError) -> Int {
            guard !value.isEmpty, value.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                throw .invalidParameter(name: name, value: TerminalEscaping.escaped(value))
            }
            // Digits too many for an Int are out of range too.
            guard let number = Int(value), range.contains(number) else {
                throw .outOfRange(name: name, value: value, allowed: AllowedRange.describe(range))
            }
            return number
        }
        func duration() throws(ZipkinConfigurationError) -> Duration {
            guard let parsed = GoDuration.parse(value) else {
                throw .invalidParameter(name: name, value: TerminalEscaping.escaped(value))
            }
            guard Self.intervalRange.contains(parsed) else {
                throw .outOfRange(name: name, value: value, allowed: AllowedRange.describe(Self.intervalRange))
            }
            return parsed
        }
        switch name {
        case "encoding":
            guard let parsed = Encoding(rawValue: value) else {
                throw .invalidParameter(name: name, value: TerminalEscaping.escaped(value))
            }
            encoding = parsed
        case "queue": queueCapacity = try integer(Self.queueCapacityRange)
        case "queue_bytes": queueByteLimit = try integer(Self.queueByteLimitRange)
        case "batch_spans": maximumBatchSpans = try integer(Self.maximumBatchSpansRange)
        case "batch_bytes": maximumBatchBytes = try integer(Self.maximumBatchBytesRange)
        case "attempts": maximumAttempts = try integer(Self.maximumAttemptsRange)
        case "flush_interval": flushInterval = try duration()
        case "timeout": requestTimeout = try duration()
        default:
            guard let colon = value.firstIndex(of: ":") else {
                throw .invalidHeader(name: "", reason: "a header parameter is written Name:Value")
            }
            let headerName = String(value[..<colon]).trimmingCharacters(in: " ")
            let headerValue = String(value[value.index(after: colon)...]).trimmingCharacters(in: " ")
            try Self.checkHeader(name: headerName, value: headerValue)
            headers.append((headerName, headerValue))
        }
    }

    /// Checks that a header can be sent as it is: a name that is an HTTP token, a value
    /// without control characters (a CR or LF would end the header, a NUL is refused by the
    /// client, and every batch would be dropped).
    static func checkHeader(name: String, value: String) throws(ZipkinConfigurationError) {
        guard !name.isEmpty else { throw .invalidHeader(name: "", reason: "the name is empty") }
        guard name.utf8.allSatisfy(isHTTPTokenByte) else {
            throw .invalidHeader(name: TerminalEscaping.escaped(name), reason: "the name is not an HTTP token")
        }
        guard !value.unicodeScalars.contains(where: { isControl($0) && $0 != "\t" }) else {
            throw .invalidHeader(name: name, reason: "the value holds a control character")
        }
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
            && lhs.emitsMetrics == rhs.emitsMetrics && lhs.metricsLabels == rhs.metricsLabels
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(endpoint)
        hasher.combine(encoding)
        hasher.combine(maximumBatchSpans)
    }
}

extension String {
    fileprivate func trimmingCharacters(in characters: String) -> String {
        let set = Set(characters.unicodeScalars)
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !set.contains($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !set.contains($0) }) ?? first
        return String(scalars[first...last])
    }
}
#endif
