#if OTLPHTTP || OTLPGRPC  // package traits, on by default (README, "Installation")
import Dapper
import Foundation

extension OTLPExporterConfiguration {
    /// The configuration for sending to `url`, as a command-line option names a receiver
    /// (`dapper agent --otlp URL`): the rest from the `OTEL_*` variables of `environment`
    /// (``init(environment:)``), the URL and the protocol from the arguments.
    ///
    /// The protocol is `protocol` when given, else `OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL`, else
    /// read off the URL: port 4317 (OTLP/gRPC's) means ``OTLPProtocol/grpc``, any other
    /// ``OTLPProtocol/httpProtobuf``. For OTLP/HTTP a URL without a path gets `/v1/traces`, so
    /// that `http://collector:4318` works as the receiver's address.
    ///
    /// - Throws: ``OTLPConfigurationError`` naming the malformed variable, or `endpoint` for a
    ///   URL that is not usable.
    public init(url: String, protocol: OTLPProtocol? = nil, environment: [String: String]) throws(OTLPConfigurationError) {
        try self.init(environment: environment)
        let hasProtocolVariable = ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"].contains {
            environment[$0].map { !$0.allSatisfy(\.isWhitespace) } ?? false
        }
        var components = URLComponents(string: url)
        if let chosen = `protocol` {
            self.protocol = chosen
        } else if !hasProtocolVariable {
            self.protocol = components?.port == 4317 ? .grpc : .httpProtobuf
        }
        if self.protocol == .httpProtobuf, let path = components?.path, path.isEmpty || path == "/" {
            components?.path = "/v1/traces"
        }
        endpoint = components?.string ?? url
        try validate()
    }
}
#endif
