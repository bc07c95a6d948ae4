/// What a span records while it is open: its name, kind, start, tags, logs and references.
///
/// Apart from ``SpanState`` so that the finishing call, once it has marked the span finished
/// under the lock, reads and recycles these without holding it: no other call touches them
/// after the finish (each first finds the span finished in the state), and the thread sanitizer
/// tells accesses at separate addresses apart, where it sees any access to one struct through
/// a pointer as an access to all of it.
struct SpanRecords {
    var operationName = ""
    var kind = SpanKind.internal
    /// How many tags the tracer's shared prefix (default tags and `span.kind`) holds.
    var sharedTagCount = 0
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

    /// Makes these the records of a new span (the arrays are already empty: see
    /// ``restoreRecords(tags:logs:)``).
    mutating func start(
        tracer: DapperTracer, operationName: String, kind: SpanKind, isRecording: Bool, startWallNanos givenStart: Int64?
    ) {
        self.operationName = operationName
        self.kind = kind
        isMarkedAsError = false
        hasDroppedReferences = false
        guard isRecording else { return }
        (startWallNanos, startMonotonicNanos) = SpanClock.now()
        if let givenStart {
            // A start given by the caller (an instrumentation API's instant): durations
            // measured on the monotonic clock still count from it.
            startMonotonicNanos &-= startWallNanos &- givenStart
            startWallNanos = givenStart
        }
        sharedTagCount = tracer.sharedTags(kind).count
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
