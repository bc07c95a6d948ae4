/// The mutable state of one span, recycled through ``SpanPool``.
///
/// A ``DapperSpan`` is a handle: this storage and the generation it was issued for. Every
/// operation takes the lock and checks the generation first, and `finish` advances it, so a
/// second `finish`, or any call through a handle after its `finish`, finds a different
/// generation and does nothing, even when the storage has been handed to a new span.
final class SpanStorage: @unchecked Sendable {
    // Safe to share: `state` is only read or written between `lock.lock()` and
    // `lock.unlock()` (see `withLockedState`), and the pointer itself never changes.
    private let lock = SpanLock()
    private let state: UnsafeMutablePointer<SpanState>

    init() {
        state = .allocate(capacity: 1)
        state.initialize(to: SpanState())
    }

    deinit {
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// Runs `body` on the state while holding the lock.
    @inline(__always)
    func withLockedState<Result>(_ body: (inout SpanState) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(&state.pointee)
    }
}

/// What a span records while it is open.
struct SpanState {
    /// Advanced when the span starts and when it finishes; handles carry the value of their start.
    var generation: UInt64 = 0
    /// Whether the span is open (started and not yet finished).
    var isOpen = false
    var tracer: DapperTracer?
    var operationName = ""
    var context = SpanContext(traceID: 0, spanID: 0)
    /// Sampled or debug: only then are tags, logs and times kept.
    var isRecording = false
    var children = 0
    var startWallNanos: Int64 = 0
    var startMonotonicNanos: Int64 = 0
    var tags: [SpanTag] = []
    var logs: [SpanLog] = []
    var references: [SpanReference] = []

    /// A span's tags beyond this capacity are not kept by a recycled storage.
    static let retainedTagCapacity = 32
    /// Likewise for logs.
    static let retainedLogCapacity = 8

    /// Makes the state that of a new open span; returns its generation.
    mutating func start(
        tracer: DapperTracer,
        operationName: String,
        context: SpanContext,
        kind: String
    ) -> UInt64 {
        generation &+= 1
        isOpen = true
        self.tracer = tracer
        self.operationName = operationName
        self.context = context
        isRecording = context.isSampled || context.isDebug
        children = 0
        if tags.capacity > Self.retainedTagCapacity { tags = [] } else { tags.removeAll(keepingCapacity: true) }
        if logs.capacity > Self.retainedLogCapacity { logs = [] } else { logs.removeAll(keepingCapacity: true) }
        if !references.isEmpty { references.removeAll() }
        if isRecording {
            (startWallNanos, startMonotonicNanos) = SpanClock.now()
            tags.append(contentsOf: tracer.defaultTags)
            tags.append(SpanTag(key: SpanTagKey.spanKind, value: .string(kind)))
        }
        return generation
    }

    /// Adds a tag under the limit of SPEC 4: the tag that reaches 128 brings the marker.
    mutating func appendTag(_ tag: SpanTag) {
        if tags.count < DapperSpan.maxTags { tags.append(tag) }
        if tags.count == DapperSpan.maxTags {
            tags.append(SpanTag(key: SpanTagKey.traceError, value: .string("too many tags")))
        }
    }

    /// Adds a log entry under the limit of SPEC 4.
    mutating func appendLog(_ fields: SpanLogFields, at timestampNanos: Int64) {
        if logs.count < DapperSpan.maxLogs { logs.append(SpanLog(timestampNanos: timestampNanos, fields: fields)) }
        if logs.count == DapperSpan.maxLogs {
            logs.append(SpanLog(
                timestampNanos: timestampNanos,
                fields: SpanLogFields(SpanLogField(key: SpanTagKey.traceError, value: "too many logs"))
            ))
        }
    }
}
