#if OTLPHTTP || OTLPGRPC  // package traits, on by default (README, "Installation")
import Dapper
import DapperExporterSupport
import Foundation

extension OTLPExporterConfiguration {
    /// Reads the standard variables as OpenTelemetry SDKs do; a variable that is unset or
    /// empty leaves the default.
    ///
    /// | variable | sets | values |
    /// | --- | --- | --- |
    /// | `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` | ``endpoint``, as is | an `http://` or `https://` URL |
    /// | `OTEL_EXPORTER_OTLP_ENDPOINT` | ``endpoint``: the base URL, `v1/traces` appended for OTLP/HTTP | the same |
    /// | `OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL` | ``protocol`` | `http/protobuf`, `grpc` |
    /// | `OTEL_EXPORTER_OTLP_(TRACES_)HEADERS` | ``headers`` | `name=value,name2=value2`, percent-decoded |
    /// | `OTEL_EXPORTER_OTLP_(TRACES_)COMPRESSION` | ``compression`` | `gzip`, `none` |
    /// | `OTEL_EXPORTER_OTLP_(TRACES_)TIMEOUT` | ``timeout`` | milliseconds, 1 to 3 600 000 |
    /// | `OTEL_SERVICE_NAME` | ``serviceName`` | any text |
    /// | `OTEL_RESOURCE_ATTRIBUTES` | ``resourceAttributes`` (and ``serviceName`` from its `service.name`, unless `OTEL_SERVICE_NAME` is set) | `key=value,…`, percent-decoded |
    ///
    /// The variables with `TRACES_` win over the general ones.
    ///
    /// - Parameter environment: The variables, for example
    ///   `ProcessInfo.processInfo.environment` (``fromProcessEnvironment()``).
    /// - Throws: ``OTLPConfigurationError`` naming the first malformed variable; `http/json` is
    ///   ``OTLPConfigurationError/unsupportedProtocol(source:value:)``.
    public init(environment: [String: String]) throws(OTLPConfigurationError) {
        self.init()
        func lookup(_ names: String...) -> (variable: String, text: String)? {
            for name in names {
                if let text = environment[name], !text.allSatisfy(\.isWhitespace) { return (name, text) }
            }
            return nil
        }
        func traces(_ suffix: String) -> (variable: String, text: String)? {
            lookup("OTEL_EXPORTER_OTLP_TRACES_" + suffix, "OTEL_EXPORTER_OTLP_" + suffix)
        }
        if let (variable, text) = traces("PROTOCOL") {
            switch text.trimmingCharacters(in: .whitespaces) {
            case "grpc": self.protocol = .grpc
            case "http/protobuf": self.protocol = .httpProtobuf
            case "http/json": throw .unsupportedProtocol(source: variable, value: "http/json")
            default: throw .invalidValue(source: variable, value: TerminalEscaping.escaped(text), expected: "grpc or http/protobuf")
            }
        }
        if let (variable, text) = lookup("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
            let url = text.trimmingCharacters(in: .whitespaces)
            try Self.checkEndpoint(url, source: variable)
            endpoint = url
        } else if let (variable, text) = lookup("OTEL_EXPORTER_OTLP_ENDPOINT") {
            let base = text.trimmingCharacters(in: .whitespaces)
            try Self.checkEndpoint(base, source: variable)
            // The specification: a base URL, to which OTLP/HTTP appends the signal's path;
            // OTLP/gRPC uses it as it is.
            endpoint = self.protocol == .grpc ? base : base + (base.hasSuffix("/") ? "" : "/") + "v1/traces"
        }
        if let (variable, text) = traces("HEADERS") {
            headers = try Self.pairs(text) { reason throws(OTLPConfigurationError) in
                throw .invalidHeaders(source: variable, reason: reason)
            }.map { Header(name: $0.key, value: $0.value) }
            for header in headers { try Self.checkHeader(name: header.name, value: header.value, source: variable) }
        }
        if let (variable, text) = traces("COMPRESSION") {
            guard let compression = OTLPCompression(rawValue: text.trimmingCharacters(in: .whitespaces)) else {
                throw .invalidValue(source: variable, value: TerminalEscaping.escaped(text), expected: "gzip or none")
            }
            self.compression = compression
        }
        if let (variable, text) = traces("TIMEOUT") {
            guard let milliseconds = Int(text.trimmingCharacters(in: .whitespaces)), (1...3_600_000).contains(milliseconds) else {
                throw .invalidValue(
                    source: variable, value: TerminalEscaping.escaped(text), expected: "whole milliseconds from 1 to 3600000")
            }
            timeout = .milliseconds(milliseconds)
        }
        if let (variable, text) = lookup("OTEL_RESOURCE_ATTRIBUTES") {
            let attributes = try Self.pairs(text) { reason throws(OTLPConfigurationError) in
                throw .invalidResourceAttributes(source: variable, reason: reason)
            }
            resourceAttributes = attributes.filter { $0.key != "service.name" }
            if let name = attributes.last(where: { $0.key == "service.name" })?.value { serviceName = name }
        }
        if let (_, text) = lookup("OTEL_SERVICE_NAME") { serviceName = text }
    }

    /// The configuration of this process's environment: ``init(environment:)`` with
    /// `ProcessInfo.processInfo.environment`.
    ///
    /// - Throws: ``OTLPConfigurationError`` naming the first malformed variable.
    public static func fromProcessEnvironment() throws(OTLPConfigurationError) -> OTLPExporterConfiguration {
        try OTLPExporterConfiguration(environment: ProcessInfo.processInfo.environment)
    }

    /// `key=value,key2=value2` (W3C Baggage's form, which OTel's header and resource variables
    /// use): keys and values trimmed and percent-decoded, empty entries skipped. `fail` gets
    /// a reason that never quotes a value.
    private static func pairs(
        _ text: String, fail: (String) throws(OTLPConfigurationError) -> Never
    ) throws(OTLPConfigurationError) -> [(key: String, value: String)] {
        var pairs: [(key: String, value: String)] = []
        for (index, entry) in text.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            if entry.allSatisfy(\.isWhitespace) { continue }
            guard let equals = entry.firstIndex(of: "=") else { try fail("entry \(index + 1) has no \"=\"") }
            guard let key = percentDecoded(Substring(entry[..<equals].trimmingCharacters(in: .whitespaces))), !key.isEmpty
            else { try fail("entry \(index + 1) has an empty or malformed key") }
            guard let value = percentDecoded(Substring(entry[entry.index(after: equals)...].trimmingCharacters(in: .whitespaces)))
            else { try fail("the value of \(TerminalEscaping.escaped(key)) holds an invalid percent-escape") }
            pairs.append((key, value))
        }
        return pairs
    }
}
#endif
