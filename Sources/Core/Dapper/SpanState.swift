/// What a span records while it is open.
struct SpanState {
    /// Advanced when the span starts and when it finishes; handles carry the value of their start.
    var generation: UInt64 = 0
    /// Whether the span is open (started and not yet finished).
    var isOpen = false
    var tracer: DapperTracer?
    var kind = SpanKind.internal
    /// How many tags the tracer's shared prefix (default tags and `span.kind`) holds.
    var sharedTagCount = 0
    var operationName = ""
    var context = SpanContext(traceID: 0, spanID: 0)
    /// Sampled or debug: only then are tags, logs and times kept.
    var isRecording = false
    var children = 0
    /// Whether the `error=true` tag is set (instrumentation APIs report an error more than once).
    var isMarkedAsError = false
    var startWallNanos: Int64 = 0
    var startMonotonicNanos: Int64 = 0
    /// The span's own tags, after the shared prefix.
    var tags: [SpanTag] = []
    var logs: [SpanLog] = []
    var references: [SpanReference] = []
    /// Whether a reference beyond ``DapperSpan/maxReferences`` was dropped (and the marker set).
    var hasDroppedReferences = false

    /// A span's tags beyond this capacity are not kept by a recycled storage.
    static let retainedTagCapacity = 32
    /// Likewise for logs.
    static let retainedLogCapacity = 8

    /// Makes the state that of a new open span; returns its generation.
    mutating func start(
        tracer: DapperTracer,
        operationName: String,
        context: SpanContext,
        kind: SpanKind,
        startWallNanos givenStart: Int64? = nil
    ) -> UInt64 {
        generation &+= 1
        isOpen = true
        // Most processes have one tracer: skip the retain and release of reassigning it.
        if self.tracer !== tracer { self.tracer = tracer }
        self.operationName = operationName
        self.context = context
        self.kind = kind
        isRecording = context.isSampled || context.isDebug
        children = 0
        isMarkedAsError = false
        hasDroppedReferences = false
        if isRecording {
            (startWallNanos, startMonotonicNanos) = SpanClock.now()
            if let givenStart {
                // A start given by the caller (an instrumentation API's instant): durations
                // measured on the monotonic clock still count from it.
                startMonotonicNanos &-= startWallNanos &- givenStart
                startWallNanos = givenStart
            }
            sharedTagCount = tracer.sharedTags(kind).count
        }
        return generation
    }

    /// Takes the recorded tags, logs and references out for a `FinishedSpan`, without copying.
    mutating func takeRecords() -> (tags: [SpanTag], logs: [SpanLog], references: [SpanReference]) {
        var taken: (tags: [SpanTag], logs: [SpanLog], references: [SpanReference]) = ([], [], [])
        swap(&taken.tags, &tags)
        swap(&taken.logs, &logs)
        swap(&taken.references, &references)
        return taken
    }

    /// Puts back the arrays of a reported span, emptied, so that the next span reuses their
    /// memory; arrays that grew beyond a typical span's needs, or that the reporter kept, are
    /// let go instead.
    mutating func restoreRecords(tags: inout [SpanTag], logs: inout [SpanLog]) {
        if tags.capacity <= Self.retainedTagCapacity {
            // Element by element: a span has few tags, and `removeAll(keepingCapacity:)` goes
            // through the general `replaceSubrange`, several times slower for so few.
            if !tags.isEmpty { while tags.popLast() != nil {} }
            swap(&tags, &self.tags)
        }
        if logs.capacity <= Self.retainedLogCapacity {
            // The other way round for logs: `popLast` destroys each `SpanLog?` through the
            // generic value witnesses of its multi-payload fields enum (about 280 instructions
            // for one entry), which `removeAll(keepingCapacity:)` does not.
            if !logs.isEmpty { logs.removeAll(keepingCapacity: true) }
            swap(&logs, &self.logs)
        }
    }

    /// Adds a tag under the limit of Compatibility §4: the tag that reaches 128 brings the marker.
    mutating func appendTag(_ tag: SpanTag) {
        if sharedTagCount + tags.count < DapperSpan.maxTags { tags.append(tag) }
        if sharedTagCount + tags.count == DapperSpan.maxTags {
            tags.append(SpanTag(key: SpanTagKey.traceError, value: .string("too many tags")))
        }
    }

    /// Adds a reference under ``DapperSpan/maxReferences``: the first one over it brings the
    /// marker tag instead.
    mutating func appendReference(_ reference: SpanReference) {
        guard references.count < DapperSpan.maxReferences else {
            if !hasDroppedReferences {
                hasDroppedReferences = true
                appendTag(SpanTag(key: SpanTagKey.traceError, value: .string("too many references")))
            }
            return
        }
        references.append(reference)
    }

    /// Adds a log entry under the limit of Compatibility §4.
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
