/// What every handle on a span may read, under the span's lock, even after the span finished:
/// whether it is the open span of a generation, and its identity. What the span records is in
/// ``SpanRecords``, which only calls on the open span and then its finish touch.
struct SpanState {
    /// Advanced when the span starts and when it finishes; handles carry the value of their start.
    var generation: UInt64 = 0
    /// Whether the span is open (started and not yet finished).
    var isOpen = false
    var tracer: DapperTracer?
    var context = SpanContext(traceID: 0, spanID: 0)
    /// Sampled or debug: only then are tags, logs and times kept.
    var isRecording = false
    var children = 0
}
