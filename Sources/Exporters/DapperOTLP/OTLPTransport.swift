#if OTLPHTTP || OTLPGRPC  // package traits, on by default (README, "Installation")
import Dapper

/// What one export request came to, in the specification's terms, whatever the protocol.
enum OTLPSendOutcome {
    /// The receiver took the request: a full success when `rejectedSpans` is 0 and `message`
    /// empty; a partial success (never sent again) when `rejectedSpans` > 0; a warning when
    /// only `message` is set. `message` is the receiver's text, unescaped.
    case accepted(rejectedSpans: Int, message: String)
    /// The request failed in a way the specification allows to retry (HTTP 429, 502, 503,
    /// 504, the gRPC codes it lists, the network, a timeout), after `after` when the receiver
    /// said (`Retry-After`, `RetryInfo`), else after the pipeline's backoff. `detail` is a
    /// sentence for the log, escaped and without secrets.
    case retryable(DropReason, after: Duration?, detail: String)
    /// The request failed for good (HTTP 400 and any other error status, a non-retryable
    /// gRPC code): its spans are dropped for `DropReason`.
    case rejected(DropReason, detail: String)
}

/// Sends one encoded `ExportTraceServiceRequest` and says what came of it: the seam between
/// ``OTLPExporter`` (batching, splitting, counting) and a protocol (OTLP/HTTP, OTLP/gRPC).
///
/// Called on the pipeline's thread only, one call at a time, so an implementation may keep
/// buffers; it blocks until the answer or `deadline`.
protocol OTLPTransport: AnyObject {
    /// Sends `body` (valid during the call only), giving up at `deadline`.
    func send(_ body: UnsafeRawBufferPointer, deadline: ContinuousClock.Instant) -> OTLPSendOutcome
    /// Releases the connection or client; called once, after the last send.
    func shutdown()
}
#endif
