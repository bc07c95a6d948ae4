#if OTLPHTTP || OTLPGRPC  // package traits, on by default (README, "Installation")
/// How an ``OTLPExporter`` carries its requests: the values of `OTEL_EXPORTER_OTLP_PROTOCOL`
/// that Dapper supports.
public enum OTLPProtocol: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// OTLP/HTTP with protobuf bodies: `POST` to the endpoint (`…/v1/traces`), port 4318 by
    /// default. Needs the `OTLPHTTP` trait.
    case httpProtobuf = "http/protobuf"
    /// OTLP/gRPC: `opentelemetry.proto.collector.trace.v1.TraceService/Export`, port 4317 by
    /// default. Needs the `OTLPGRPC` trait.
    case grpc = "grpc"

    /// The endpoint used when none is configured, as the specification says.
    public var defaultEndpoint: String {
        switch self {
        case .httpProtobuf: "http://localhost:4318/v1/traces"
        case .grpc: "http://localhost:4317"
        }
    }

    /// The name the environment variables use: `http/protobuf`, `grpc`.
    public var description: String { rawValue }
}
#endif
