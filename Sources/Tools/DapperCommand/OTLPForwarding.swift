#if Command  // a package trait, on by default (README, "Installation")
import Dapper
import DapperOTLP
import DapperReporting
import Foundation

/// The agent's `--otlp` forwarder: the OTLP exporter on the reporting pipeline, configured from
/// the command line and the standard `OTEL_EXPORTER_OTLP_*` variables.
enum OTLPForwarding {
    /// The exporter's configuration for `--otlp URL` and `--otlp-protocol`.
    ///
    /// The protocol is `protocolOption` when given, else `OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL`,
    /// else read off the URL: port 4317 (OTLP/gRPC's) means `grpc`, anything else
    /// `http/protobuf`. For OTLP/HTTP a URL without a path gets `/v1/traces`, so that
    /// `--otlp http://collector:4318` works as the collector's address. Headers, compression,
    /// timeout and resource attributes come from the environment.
    static func configuration(
        url: String, protocolOption: String?, environment: [String: String]
    ) throws(OTLPForwardingError) -> OTLPExporterConfiguration {
        var configuration: OTLPExporterConfiguration
        do {
            configuration = try OTLPExporterConfiguration(environment: environment)
        } catch {
            throw .environment(error)
        }
        let hasProtocolVariable = ["OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"].contains {
            environment[$0].map { !$0.allSatisfy(\.isWhitespace) } ?? false
        }
        var components = URLComponents(string: url)
        if let protocolOption {
            guard let chosen = OTLPProtocol(rawValue: protocolOption) else { throw .unknownProtocol(TerminalEscaping.escaped(protocolOption)) }
            configuration.protocol = chosen
        } else if !hasProtocolVariable {
            configuration.protocol = components?.port == 4317 ? .grpc : .httpProtobuf
        }
        if configuration.protocol == .httpProtobuf, let path = components?.path, path.isEmpty || path == "/" {
            components?.path = "/v1/traces"
        }
        configuration.endpoint = components?.string ?? url
        do {
            try configuration.validate()
        } catch {
            throw .invalidURL(error)
        }
        return configuration
    }

    /// The pipeline's settings for forwarding: the OTLP defaults, with a queue as deep as the
    /// Zipkin forwarder's (an agent collects for many services) and a batch at least every second.
    static func batching(for configuration: OTLPExporterConfiguration) -> BatchingConfiguration {
        var batching = OTLPExporter.batchingConfiguration(for: configuration)
        batching.queueCapacity = 10_000
        batching.batchInterval = .seconds(1)
        return batching
    }
}

/// Why `--otlp` cannot be used.
enum OTLPForwardingError: Error, CustomStringConvertible {
    /// An `OTEL_*` variable is malformed.
    case environment(OTLPConfigurationError)
    /// `--otlp-protocol` is neither `grpc` nor `http/protobuf`.
    case unknownProtocol(String)
    /// The URL (or what the environment adds to it) is not usable.
    case invalidURL(OTLPConfigurationError)

    var description: String {
        switch self {
        case .environment(let error): "\(error)"
        case .unknownProtocol(let text): "--otlp-protocol must be grpc or http/protobuf, not \(text)"
        case .invalidURL(let error): "invalid --otlp URL: \(error)"
        }
    }
}
#endif
