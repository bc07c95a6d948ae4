/// The span of ``DapperTracer``: a handle on recycled storage (see ``Trace`` for the API).
///
/// The handle carries the storage and the generation it was issued for; once the span is
/// finished the storage moves on to other spans and every call through this handle does
/// nothing. A handle with no storage is the no-op span, which the guards of SPEC 3 return.
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
        storage?.withLockedState { state in
            state.generation == generation && state.isOpen ? state.operationName : nil
        }
    }

    public func fork(_ serviceName: String, _ operationName: String) -> DapperSpan {
        child(operationName, kind: "client")
    }

    public func follow(_ serviceName: String, _ operationName: String) -> DapperSpan {
        child(operationName, kind: "producer")
    }

    private func child(_ operationName: String, kind: String) -> DapperSpan {
        guard let storage else { return .noop }
        let parent: (context: SpanContext, tracer: DapperTracer)? = storage.withLockedState { state in
            guard state.generation == generation, state.isOpen, let tracer = state.tracer,
                state.children <= Self.maxChildren
            else { return nil }
            state.children += 1
            return (state.context, tracer)
        }
        guard let parent, parent.context.level <= Self.maxLevel else { return .noop }
        let context = SpanContext(
            traceID: parent.context.traceID,
            spanID: IdentifierGenerator.next(),
            parentID: parent.context.spanID,
            flags: parent.context.flags,
            probability: parent.context.probability,
            level: parent.context.level + 1
        )
        return parent.tracer.startSpan(operationName, context: context, kind: kind)
    }

    @discardableResult
    public func setTag(_ tag: SpanTag) -> DapperSpan {
        storage?.withLockedState { state in
            guard state.generation == generation, state.isOpen, state.isRecording else { return }
            state.appendTag(tag)
        }
        return self
    }

    @discardableResult
    public func setLog(_ fields: SpanLogFields) -> DapperSpan {
        storage?.withLockedState { state in
            guard state.generation == generation, state.isOpen, state.isRecording else { return }
            state.appendLog(fields, at: SpanClock.now().wallNanos)
        }
        return self
    }

    public func setTitle(_ operationName: String) {
        storage?.withLockedState { state in
            guard state.generation == generation, state.isOpen else { return }
            state.operationName = operationName
        }
    }

    /// Adds a causal link to another span (reported as `references` in `span.proto`).
    public func addReference(_ reference: SpanReference) {
        storage?.withLockedState { state in
            guard state.generation == generation, state.isOpen, state.isRecording else { return }
            state.references.append(reference)
        }
    }

    public func visit(_ body: (_ key: String, _ value: String) -> Void) {
        if let context { body(Propagation.kratosTraceIDKey, context.description) }
    }

    public func finish(error: (any Error)?) {
        finish(error: error, endTimeNanos: nil)
    }

    /// Ends the span at an explicit wall-clock instant, in nanoseconds since the Unix epoch
    /// (for instrumentation APIs that pass the end time); see ``finish(error:)``. An end before
    /// the start gives a duration of 0.
    public func finish(error: (any Error)?, endTimeNanos: Int64?) {
        guard let storage else { return }
        // The error's description is user code: never run it under the span's lock, where
        // code that reads this span (a logger adding trace metadata, say) would deadlock.
        var errorText: (message: String, stack: String?)? = nil
        if let error, storage.withLockedState({ $0.generation == generation && $0.isOpen && $0.isRecording }) {
            errorText = (String(describing: error), (error as? any StackTraceCarryingError)?.stackTrace)
        }
        let ended: (span: FinishedSpan?, tracer: DapperTracer)? = storage.withLockedState { state in
            guard state.generation == generation, state.isOpen, let tracer = state.tracer else { return nil }
            state.isOpen = false
            state.generation &+= 1
            guard state.isRecording else { return (nil, tracer) }
            let duration: Int64
            if let endTimeNanos {
                duration = max(0, endTimeNanos &- state.startWallNanos)
            } else {
                duration = max(0, SpanClock.monotonicNanos() &- state.startMonotonicNanos)
            }
            if let errorText {
                let at = state.startWallNanos &+ duration
                state.appendTag(SpanTag(key: SpanTagKey.error, value: .bool(true)))
                state.appendLog(SpanLogFields(SpanLogField(key: "message", value: errorText.message)), at: at)
                if let stack = errorText.stack {
                    state.appendLog(SpanLogFields(SpanLogField(key: "stack", value: stack)), at: at)
                }
            }
            let span = FinishedSpan(
                serviceName: tracer.serviceName,
                operationName: state.operationName,
                context: state.context,
                startTimeNanos: state.startWallNanos,
                durationNanos: duration,
                tags: state.tags,
                logs: state.logs,
                references: state.references
            )
            return (span, tracer)
        }
        guard let ended else { return }
        if let span = ended.span { ended.tracer.reporter.report(span) }
        ended.tracer.recycle(storage)
    }

    public static func == (lhs: DapperSpan, rhs: DapperSpan) -> Bool {
        lhs.storage === rhs.storage && lhs.generation == rhs.generation
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.map(ObjectIdentifier.init))
        hasher.combine(generation)
    }
}
