#if OTLPGRPC  // a package trait, on by default (README, "Installation")
/// How one `TraceService/Export` call ended.
package enum OTLPGRPCResult: Sendable, Equatable {
    /// The server answered OK: the `ExportTraceServiceResponse` bytes as they arrived, undecoded
    /// (a partial success is in them; the exporter decodes it).
    case ok(response: [UInt8])
    /// The call failed. `code` is the gRPC status code's canonical name in lower case
    /// (`unavailable`, `deadline_exceeded`, …), or `client_stopped` after ``OTLPGRPCClient/shutdown()``;
    /// `retryable` follows the OTLP specification's table (`resource_exhausted` only with
    /// `google.rpc.RetryInfo`); `retryAfter` is RetryInfo's `retry_delay` when the server sent
    /// one; `message` is the server's or the transport's, escaped.
    case failed(code: String, retryable: Bool, retryAfter: Duration?, message: String)
}
#endif
