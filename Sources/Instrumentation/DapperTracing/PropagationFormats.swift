#if DistributedTracing  // a package trait, on by default (README, "Installation")
/// The header formats the bridge reads and writes.
///
/// Extraction tries the selected formats in a fixed order, `kratos-trace-id` first, then
/// `traceparent`, single `b3`, multi-header B3, and continues the first that is present and
/// valid; a present but malformed header is skipped (and counted by
/// ``DapperDistributedTracer/malformedHeaderCount``), so a bad value starts a new trace instead
/// of failing the request. Injection writes every selected format.
///
/// Dapper's IDs are 64 bits. A 128-bit trace ID from B3 or W3C keeps its low 64 bits (the
/// last 16 hex digits) and is written back as those 64 bits (16 digits in B3, 32 with the
/// high half zero in `traceparent`), so a peer that sent a 128-bit ID sees a different trace
/// ID downstream of a Dapper service. A trace ID whose low 64 bits are all zero cannot be
/// continued and starts a new trace.
public struct PropagationFormats: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8

    /// Creates a set from its raw value.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// `kratos-trace-id: {traceID}:{spanID}:{parentID}:{flags}` (lower-case hex), the Kratos
    /// (Go) services' header (Compatibility §1).
    public static let kratos = PropagationFormats(rawValue: 1 << 0)
    /// Zipkin's multi-header B3: `X-B3-TraceId`, `X-B3-SpanId`, `X-B3-ParentSpanId`,
    /// `X-B3-Sampled`, `X-B3-Flags` (Brave, zipkin-go).
    public static let b3Multi = PropagationFormats(rawValue: 1 << 1)
    /// Zipkin's single header `b3: {traceId}-{spanId}-{sampled}-{parentSpanId}`.
    public static let b3Single = PropagationFormats(rawValue: 1 << 2)
    /// W3C Trace Context `traceparent: 00-{traceId}-{parentId}-{flags}` (OpenTelemetry).
    public static let traceparent = PropagationFormats(rawValue: 1 << 3)

    /// Both B3 forms.
    public static let b3: PropagationFormats = [.b3Multi, .b3Single]
    /// Every format.
    public static let all: PropagationFormats = [.kratos, .b3Multi, .b3Single, .traceparent]
}
#endif
