#if OTLPHTTP || OTLPGRPC  // package traits, on by default (README, "Installation")
import Dapper
import DapperExporterSupport
import DapperOTLPWire
import Foundation

/// Where and how an ``OTLPExporter`` sends: set in code, or read from the standard
/// `OTEL_EXPORTER_OTLP_*` environment variables with ``init(environment:)``.
///
/// ```swift
/// var configuration = OTLPExporterConfiguration()
/// configuration.endpoint = "http://collector:4318/v1/traces"
/// configuration.headers = [.init(name: "Authorization", value: "Bearer \(token)")]
/// configuration.compression = .gzip
/// ```
///
/// Printing a configuration is safe: its ``description`` shows header values and the
/// endpoint's user info as `***`.
public struct OTLPExporterConfiguration: Sendable, Equatable {
    /// A header sent with every request (OTLP/HTTP) or as metadata (OTLP/gRPC). Its value is
    /// a secret as far as Dapper is concerned: never printed.
    public struct Header: Sendable, Hashable, CustomStringConvertible {
        /// The header's name: an HTTP token.
        public var name: String
        /// The header's value: no control characters but tabs.
        public var value: String

        /// Creates a header.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }

        /// The name, and `***` for the value.
        public var description: String { "\(TerminalEscaping.escaped(name)): ***" }
    }

    /// The full URL requests go to (for OTLP/HTTP, with its path: `…/v1/traces`); `nil` for
    /// the protocol's default (``OTLPProtocol/defaultEndpoint``). `http://` or `https://`,
    /// without user info (put credentials in ``headers``).
    public var endpoint: String?
    /// How requests are carried; OTLP/HTTP with protobuf bodies by default, as the
    /// specification recommends.
    public var `protocol`: OTLPProtocol = .httpProtobuf
    /// Headers sent with every request, for example an `Authorization` or an API key.
    public var headers: [Header] = []
    /// Whether bodies are gzip-compressed; not by default.
    public var compression: OTLPCompression = .none
    /// How long one request may take, connection included (``timeoutRange``); 10 s by
    /// default, the specification's.
    public var timeout: Duration = .seconds(10)
    /// The resource's `service.name`, for spans whose own service name is empty (each span's
    /// own name wins: one exporter may send the spans of several services).
    public var serviceName: String = "unknown_service"
    /// Further resource attributes sent with every request (`deployment.environment`, …).
    public var resourceAttributes: [(key: String, value: String)] = []
    /// The largest encoded request body (``maximumRequestBytesRange``): a batch whose encoding
    /// is larger is split in halves until each fits, and a single span larger than this is
    /// dropped as ``/Dapper/DropReason/oversize``. 4 MiB by default, gRPC's usual limit on a
    /// received message.
    public var maximumRequestBytes: Int = 4 << 20

    /// The defaults: OTLP/HTTP to `http://localhost:4318/v1/traces`, no headers, no
    /// compression, 10 s per request, service `unknown_service`.
    public init() {}

    /// The allowed ``timeout``.
    public static let timeoutRange = Duration.milliseconds(1)...Duration.seconds(3600)
    /// The allowed ``maximumRequestBytes``: from 1 KiB to 64 MiB, the limit the
    /// specification recommends to clients.
    public static let maximumRequestBytesRange = 1024...(64 << 20)

    /// ``endpoint``, or the protocol's default when it is `nil`.
    public var resolvedEndpoint: String { endpoint ?? self.protocol.defaultEndpoint }

    /// ``resolvedEndpoint`` with its user info replaced by `***` and control characters
    /// escaped: the form messages show.
    public var redactedEndpoint: String { redacted(resolvedEndpoint) }

    /// The resource the requests describe: ``serviceName`` and ``resourceAttributes``.
    public var resource: OTLPResource { OTLPResource(serviceName: serviceName, attributes: resourceAttributes) }

    /// Checks every value: the endpoint, the headers, the ranges.
    ///
    /// - Throws: ``OTLPConfigurationError`` naming the property.
    public func validate() throws(OTLPConfigurationError) {
        try Self.checkEndpoint(resolvedEndpoint, source: "endpoint")
        for header in headers { try Self.checkHeader(name: header.name, value: header.value, source: "headers") }
        if let wrong = AllowedRange.violation(timeout, Self.timeoutRange) {
            throw .outOfRange(name: "timeout", value: wrong.value, allowed: wrong.allowed)
        }
        if let wrong = AllowedRange.violation(maximumRequestBytes, Self.maximumRequestBytesRange) {
            throw .outOfRange(name: "maximumRequestBytes", value: wrong.value, allowed: wrong.allowed)
        }
    }

    /// Checks that `text` is a URL a request can go to; `source` is the variable or property
    /// it came from.
    static func checkEndpoint(_ text: String, source: String) throws(OTLPConfigurationError) {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https"
        else { throw .invalidEndpoint(source: source, endpoint: redacted(text), reason: "not an http:// or https:// URL") }
        guard let host = components.host, !host.isEmpty else {
            throw .invalidEndpoint(source: source, endpoint: redacted(text), reason: "it has no host")
        }
        guard components.user == nil, components.password == nil else {
            throw .invalidEndpoint(
                source: source, endpoint: redacted(text),
                reason: "user info is not sent; put credentials in a header (OTEL_EXPORTER_OTLP_HEADERS)")
        }
    }

    /// Checks that a header can be sent as it is: a name that is an HTTP token, a value
    /// without control characters (a CR or LF would end the header). The error never holds
    /// the value.
    static func checkHeader(name: String, value: String, source: String) throws(OTLPConfigurationError) {
        guard !name.isEmpty else { throw .invalidHeaders(source: source, reason: "a header has an empty name") }
        guard name.utf8.allSatisfy(isHTTPTokenByte) else {
            throw .invalidHeaders(source: source, reason: "the name \"\(TerminalEscaping.escaped(name))\" is not an HTTP token")
        }
        guard !value.unicodeScalars.contains(where: { isControl($0) && $0 != "\t" }) else {
            throw .invalidHeaders(source: source, reason: "the value of \(name) holds a control character")
        }
    }

    /// Equal when every property is.
    public static func == (lhs: OTLPExporterConfiguration, rhs: OTLPExporterConfiguration) -> Bool {
        lhs.endpoint == rhs.endpoint && lhs.protocol == rhs.protocol && lhs.headers == rhs.headers
            && lhs.compression == rhs.compression && lhs.timeout == rhs.timeout && lhs.serviceName == rhs.serviceName
            && lhs.resourceAttributes.map(\.key) == rhs.resourceAttributes.map(\.key)
            && lhs.resourceAttributes.map(\.value) == rhs.resourceAttributes.map(\.value)
            && lhs.maximumRequestBytes == rhs.maximumRequestBytes
    }
}
#endif
