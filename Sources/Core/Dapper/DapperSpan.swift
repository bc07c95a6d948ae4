/// The span of ``DapperTracer``: a handle on recycled storage (see ``Trace`` for the API).
///
/// The handle carries the storage and the generation it was issued for; once the span is
/// finished every call through this handle does nothing, and the storage goes back to the
/// pool, which hands it to a new span only when no handle references it any more. A handle
/// with no storage is the no-op span, which the guards of Compatibility §3 return.
public struct DapperSpan: Trace, Hashable {
    let storage: SpanStorage?
    let generation: UInt64

    /// The no-op span: accepts every call, records nothing, propagates nothing.
    public static let noop = DapperSpan(storage: nil, generation: 0)

    /// A parent whose level is above this gets a no-op child.
    public static let maxLevel = 64
    /// A parent that has forked more than this many children gets a no-op child.
    public static let maxChildren = 1024
    /// The tag that reaches this count brings the `too many tags` marker.
    public static let maxTags = 128
    /// The log that reaches this count brings the `too many logs` marker.
    public static let maxLogs = 256
    /// References beyond this count are dropped, and the span gets the tag
    /// `trace.error = "too many references"` (a batch consumer linking every message it read
    /// would otherwise make a span too large to send).
    public static let maxReferences = 128

    init(storage: SpanStorage?, generation: UInt64) {
        self.storage = storage
        self.generation = generation
    }

    /// Whether this is the no-op span.
    public var isNoop: Bool { storage == nil }

    /// The span's context; `nil` for the no-op span and once the span is finished.
    public var context: SpanContext? {
        storage?.withLockedState { state in
            state.generation == generation && state.isOpen ? state.context : nil
        }
    }

    /// The span's operation name; `nil` for the no-op span and once the span is finished.
    public var operationName: String? {
        storage?.withOpenRecords(generation, recordedOnly: false) { $0.operationName }
    }

    /// The span's context, whether it is open or finished: what instrumentation APIs carry
    /// past a span's end (a task started inside a request may outlive it, and its work still
    /// belongs to the trace). `nil` for the no-op span.
    ///
    /// A finished span's storage is not reused while a handle on it exists (see `SpanPool`),
    /// so its identifiers stay readable through this handle.
    package var contextEvenIfFinished: SpanContext? {
        storage?.withLockedState { state in
            state.generation == generation || state.generation == generation &+ 1 ? state.context : nil
        }
    }

    public func fork(_ serviceName: String, _ operationName: String) -> DapperSpan {
        child(operationName, kind: .client, startsNow: true, startWallNanos: { nil }, ofFinishedParent: false)
    }

    public func follow(_ serviceName: String, _ operationName: String) -> DapperSpan {
        child(operationName, kind: .producer, startsNow: true, startWallNanos: { nil }, ofFinishedParent: false)
    }

    /// A child of `kind` (for instrumentation APIs, which name the kind and may give the
    /// start); the guards of Compatibility §3 apply. `startWallNanos` is read only when the child is
    /// recorded.
    ///
    /// Unlike ``fork(_:_:)`` and ``follow(_:_:)``, a finished span still gets a child here, in
    /// its trace and with it as the parent: instrumentation APIs keep a span's context after
    /// its end, in tasks that outlive it.
    package func child(_ operationName: String, kind: SpanKind, startWallNanos: () -> Int64?) -> DapperSpan {
        child(operationName, kind: kind, startsNow: false, startWallNanos: startWallNanos, ofFinishedParent: true)
    }

    /// A child starting now (`startsNow`) or at the instant `startWallNanos` gives.
    @inline(__always)
    private func child(
        _ operationName: String, kind: SpanKind, startsNow: Bool, startWallNanos: () -> Int64?, ofFinishedParent: Bool
    ) -> DapperSpan {
        guard let storage else { return .noop }
        storage.lock()
        let state = storage.state
        let isParent =
            storage.isOpen(generation)
            || (ofFinishedParent && state.pointee.generation == generation &+ 1)
        guard isParent, state.pointee.tracer != nil, state.pointee.children <= Self.maxChildren else {
            storage.unlock()
            return .noop
        }
        state.pointee.children += 1
        let parent = state.pointee.context
        guard parent.level <= Self.maxLevel else {
            storage.unlock()
            return .noop
        }
        let context = SpanContext(
            traceID: parent.traceID,
            traceIDHigh: parent.traceIDHigh,
            spanID: IdentifierGenerator.next(),
            parentID: parent.spanID,
            flags: parent.flags,
            probability: parent.probability,
            level: parent.level + 1
        )
        if startsNow {
            // The child starts before the parent's lock is released, which keeps the parent
            // from finishing and its storage from being restarted meanwhile: so the parent's
            // tracer, borrowed rather than retained, stays alive until the child holds it.
            defer { storage.unlock() }
            return Unmanaged.passUnretained(state.pointee.tracer.unsafelyUnwrapped)._withUnsafeGuaranteedRef { tracer in
                tracer.startSpan(operationName, context: context, kind: kind)
            }
        }
        // The start is the caller's code (an instrumentation API's instant), which must not
        // run under the parent's lock: the tracer is retained past the unlock instead.
        let tracer = state.pointee.tracer.unsafelyUnwrapped
        storage.unlock()
        let isRecording = context.isSampled || context.isDebug
        return tracer.startSpan(operationName, context: context, kind: kind, startWallNanos: isRecording ? startWallNanos() : nil)
    }

    // Inlinable, with the work out of line: the caller that discards the returned handle (as
    // almost every caller does) then makes no copy of it, and no retain and release.
    @inlinable @discardableResult
    public func setTag(_ tag: SpanTag) -> DapperSpan {
        record(tag)
        return self
    }

    @usableFromInline
    func record(_ tag: SpanTag) {
        _ = storage?.withOpenRecords(generation, recordedOnly: true) { $0.appendTag(tag) }
    }

    @discardableResult
    public func setLog(_ fields: SpanLogFields) -> DapperSpan {
        _ = storage?.withOpenRecords(generation, recordedOnly: true) { $0.appendLog(fields, at: SpanClock.now().wallNanos) }
        return self
    }

    /// ``setLog(_:)`` at a given wall-clock instant, in nanoseconds since the Unix epoch.
    package func setLog(_ fields: SpanLogFields, atWallNanos timestampNanos: Int64) {
        _ = storage?.withOpenRecords(generation, recordedOnly: true) { $0.appendLog(fields, at: timestampNanos) }
    }

    /// Sets the `error=true` tag unless the span has it already, and logs `fields` (if any)
    /// at `timestampNanos` (now if `nil`): the error part of ``finish(error:)``, for
    /// instrumentation APIs that report an error, and often the same error twice, before the
    /// end.
    package func recordError(_ fields: SpanLogFields, atWallNanos timestampNanos: Int64?) {
        _ = storage?.withOpenRecords(generation, recordedOnly: true) { records in
            if !records.isMarkedAsError {
                records.isMarkedAsError = true
                records.appendTag(SpanTag(key: SpanTagKey.error, value: .bool(true)))
            }
            if !fields.isEmpty { records.appendLog(fields, at: timestampNanos ?? SpanClock.now().wallNanos) }
        }
    }

    public func setTitle(_ operationName: String) {
        _ = storage?.withOpenRecords(generation, recordedOnly: false) { $0.operationName = operationName }
    }

    /// Adds a causal link to another span (reported as `references` in `span.proto`).
    public func addReference(_ reference: SpanReference) {
        _ = storage?.withOpenRecords(generation, recordedOnly: true) { $0.appendReference(reference) }
    }

    public func visit(_ body: (_ key: String, _ value: String) -> Void) {
        if let context { body(Propagation.kratosTraceIDKey, context.description) }
    }

    public func finish(error: (any Error)?) {
        finish(error: error, endTimeNanos: nil)
    }

    /// Ends the span without an error (``Trace/finish()``, without the optional error's
    /// indirection).
    @inlinable
    public func finish() {
        finish(endTimeNanos: nil, hasError: false) { nil }
    }

    /// Ends the span with an error of a type known where it is called; see ``finish(error:)``.
    ///
    /// Describing an error behind `any Error` takes dynamic casts (several hundred instructions
    /// each). With the concrete type the casts are resolved when this is specialised in the
    /// caller, so an error finish costs little more than a plain one.
    @inlinable
    public func finish<Failure: Error>(error: Failure) {
        finish(endTimeNanos: nil, hasError: true) { ErrorDescription.describe(concrete: error) }
    }

    /// Ends the span at an explicit wall-clock instant, in nanoseconds since the Unix epoch
    /// (for instrumentation APIs that pass the end time); see ``finish(error:)``. An end before
    /// the start gives a duration of 0.
    package func finish(error: (any Error)?, endTimeNanos: Int64?) {
        finish(endTimeNanos: endTimeNanos, hasError: error != nil) { error.map { ErrorDescription.describe($0) } }
    }

    /// Whether the span is open and recorded (so that describing an error is worth it): one
    /// lock, no copy of the context.
    @usableFromInline
    package var isRecordingOpen: Bool {
        storage?.withLockedState { $0.generation == generation && $0.isOpen && $0.isRecording } ?? false
    }

    /// A finish: under the span's lock, marks it finished (advancing the generation, so that
    /// every handle, this one included, now finds it finished) and copies what it needs of
    /// the state; then, without the lock, builds the span from the records, reports it (the
    /// reporter is user code), puts the arrays back for reuse and recycles the storage. One
    /// acquisition of the lock: after the finish only this call touches the records.
    ///
    /// With `hasError`, a recorded span's error is described (`describeError`, user code that
    /// may read this span) between a first look under the lock and the finish itself, outside
    /// it: a second acquisition.
    @usableFromInline
    func finish(endTimeNanos: Int64?, hasError: Bool, describeError: () -> (message: String, stack: String?)?) {
        guard let storage else { return }
        storage.lock()
        let state = storage.state
        guard storage.isOpen(generation), state.pointee.tracer != nil else {
            storage.unlock()
            return
        }
        var errorText: (message: String, stack: String?)? = nil
        if hasError && state.pointee.isRecording {
            storage.unlock()
            errorText = describeError()
            storage.lock()
            // Another call may have finished the span meanwhile: it reported it.
            guard storage.isOpen(generation) else {
                storage.unlock()
                return
            }
        }
        state.pointee.isOpen = false
        state.pointee.generation &+= 1
        // Borrowed, not retained: the state keeps its tracer until the next start, which can
        // only come after the storage is recycled, at the end of this call.
        let tracer = Unmanaged.passUnretained(state.pointee.tracer.unsafelyUnwrapped)
        let isRecording = state.pointee.isRecording
        let context = state.pointee.context
        // The one release of the lock: from here on no other call touches the records (each
        // finds the span finished), and nothing here touches the state.
        storage.unlock()
        let isPooled = tracer._withUnsafeGuaranteedRef { tracer in
            if isRecording {
                Self.report(storage.records, context: context, tracer: tracer, endTimeNanos: endTimeNanos, errorText: errorText)
            }
            return tracer.usesSpanPool
        }
        // Outside any closure, so that this call's reference to the storage moves into the
        // pool instead of being retained again.
        if isPooled { SpanPool.recycle(storage) }
    }

    /// The rest of a recorded span's finish, once the span is marked finished and its lock
    /// released: out of line, so that an unsampled finish stays small enough to be inlined whole.
    @inline(never)
    private static func report(
        _ records: UnsafeMutablePointer<SpanRecords>, context: SpanContext, tracer: DapperTracer, endTimeNanos: Int64?,
        errorText: (message: String, stack: String?)?
    ) {
        let duration: Int64
        if let endTimeNanos {
            duration = max(0, endTimeNanos &- records.pointee.startWallNanos)
        } else {
            duration = max(0, SpanClock.monotonicNanos() &- records.pointee.startMonotonicNanos)
        }
        if let errorText {
            let at = records.pointee.startWallNanos &+ duration
            if !records.pointee.isMarkedAsError {
                records.pointee.appendTag(SpanTag(key: SpanTagKey.error, value: .bool(true)))
            }
            records.pointee.appendLog(SpanLogFields(SpanLogField(key: "message", value: errorText.message)), at: at)
            if let stack = errorText.stack {
                records.pointee.appendLog(SpanLogFields(SpanLogField(key: "stack", value: stack)), at: at)
            }
        }
        let taken = records.pointee.takeRecords()
        let kind = records.pointee.kind
        let copies = ThreadLocalState.current.pointee.tracerCopies.copies(of: tracer, kind: kind)
        var span = FinishedSpan(
            serviceName: copies.serviceName,
            operationName: records.pointee.operationName,
            context: context,
            startTimeNanos: records.pointee.startWallNanos,
            durationNanos: duration,
            tags: SpanTags(shared: copies.sharedTags, identity: tracer.sharedTagsIdentity(kind), own: taken.tags),
            logs: taken.logs,
            references: taken.references
        )
        tracer.reporter.report(span)
        records.pointee.restoreRecords(tags: &span.tags.own, logs: &span.logs)
    }

    public static func == (lhs: DapperSpan, rhs: DapperSpan) -> Bool {
        lhs.storage === rhs.storage && lhs.generation == rhs.generation
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.map(ObjectIdentifier.init))
        hasher.combine(generation)
    }
}
