#if OTLPGRPC  // a package trait, on by default (README, "Installation")
/// Where an ``OTLPGRPCClient`` sends, and how: the collector's address, TLS or not, the
/// metadata every call carries, and whether requests are gzip-compressed.
package struct OTLPGRPCTarget: Sendable {
    /// The collector's host name or IP address (an IPv6 address with or without brackets).
    package var host: String
    /// The collector's port, 1 to 65535 (4317 is OTLP/gRPC's).
    package var port: Int
    /// TLS with the system's trust roots; plaintext HTTP/2 when false.
    package var useTLS: Bool
    /// Metadata sent with every call (`OTEL_EXPORTER_OTLP_HEADERS`): names are sent
    /// lower-cased; the values are secrets as far as this client is concerned, never printed.
    package var metadata: [(name: String, value: String)]
    /// gRPC message compression with gzip (`grpc-encoding: gzip`).
    package var gzip: Bool

    /// Creates a target.
    package init(
        host: String, port: Int, useTLS: Bool = false, metadata: [(name: String, value: String)] = [], gzip: Bool = false
    ) {
        self.host = host
        self.port = port
        self.useTLS = useTLS
        self.metadata = metadata
        self.gzip = gzip
    }
}
#endif
