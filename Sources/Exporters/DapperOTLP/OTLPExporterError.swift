#if OTLPHTTP || OTLPGRPC  // package traits, on by default (README, "Installation")
/// Why an ``OTLPExporter`` cannot be made.
public enum OTLPExporterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The configuration is invalid (``OTLPExporterConfiguration/validate()``).
    case invalidConfiguration(OTLPConfigurationError)
    /// This build has no transport for the configured protocol: its package trait
    /// (`OTLPHTTP`, `OTLPGRPC`) is off, or the transport could not start (`reason`).
    case transportUnavailable(OTLPProtocol, reason: String)

    /// The problem in a sentence.
    public var description: String {
        switch self {
        case .invalidConfiguration(let error): "invalid OTLP configuration: \(error)"
        case .transportUnavailable(let proto, let reason): "no OTLP transport for \(proto): \(reason)"
        }
    }
}
#endif
