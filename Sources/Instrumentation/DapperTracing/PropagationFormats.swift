#if DistributedTracing  // a package trait, on by default (README, "Installation")
/// The header formats the bridge reads and writes.
///
/// Extraction tries the selected formats in a fixed order, `kratos-trace-id` first, then
/// `traceparent`, single `b3`, multi-header B3, and continues the first that is present and
/// valid; a present but malformed header is skipped (and counted by
/// ``DapperDistributedTracer/malformedHeaderCount``), so a bad value starts a new trace instead
/// of failing the request. Injection writes every selected format.
///
/// When a request carries both `kratos-trace-id` and another format, `kratos-trace-id` wins:
/// a Kratos v1 service forwards and rewrites only that header, so when both arrive the Kratos
/// one is the fresher (a `traceparent` beside it may have been passed through unchanged from
/// an earlier hop, its parent span ID stale, or even belong to a trace that the Kratos v1
/// service did not continue). The other header still counts for one thing: when it carries
/// the same low 64 bits of trace ID, its high half is kept, so a trace begun with a 128-bit ID
/// by a Kratos v2 (OpenTelemetry) service keeps that ID through Swift services and across the
/// Kratos v1 services between them.
///
/// Trace IDs are 128 bits in W3C Trace Context and B3, 64 in `kratos-trace-id` and
/// `span.proto`. A 128-bit ID is kept whole (``/Dapper/SpanContext/traceIDHigh``) and written
/// back whole: 32 hex digits in `traceparent`, and in B3 as Zipkin does, 32 digits when the
/// high half is non-zero and 16 otherwise; `kratos-trace-id` gets the low 64 bits (the last 16
/// hex digits). A trace that begins here has a 64-bit ID, written in `traceparent` with the
/// high half zero. A trace ID whose low 64 bits are all zero (a valid W3C ID, one in 2⁶⁴ of
/// random ones) cannot be carried by a Kratos v1 service, which needs a non-zero 64-bit ID: it
/// is taken as malformed, and the request starts a new trace.
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
