#if OTLPHTTP || OTLPGRPC  // package traits, on by default (README, "Installation")
/// Whether request bodies are compressed: the values of `OTEL_EXPORTER_OTLP_COMPRESSION`.
public enum OTLPCompression: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// Bodies are sent as encoded.
    case none = "none"
    /// Bodies are gzip-compressed (`Content-Encoding: gzip` over HTTP).
    case gzip = "gzip"

    /// The name the environment variables use.
    public var description: String { rawValue }
}
#endif
