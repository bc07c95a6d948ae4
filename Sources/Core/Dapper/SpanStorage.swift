/// The mutable state of one span, recycled through ``SpanPool``.
///
/// A ``DapperSpan`` is a handle: this storage and the generation it was issued for. Every
/// operation takes the lock and checks the generation first, and `finish` advances it, so a
/// second `finish`, or any call through a handle after its `finish`, finds a different
/// generation and does nothing. The pool does not hand a storage to a new span while a handle
/// still references it, so a finished span's state (its context) stays as it was for as long
/// as a handle can ask; the generation check would still keep a stale handle away from a new
/// span if a storage were reused.
final class SpanStorage: @unchecked Sendable {
    // Safe to share: `state` is only read or written between `lock()` and `unlock()`, and so
    // is `records`, except by the call that finished the span, after it marked the span
    // finished under the lock (no other call touches the records of a finished span); the
    // pointers themselves never change.
    private let spanLock = SpanLock()
    /// What any handle may read; touch it only while holding the lock.
    let state: UnsafeMutablePointer<SpanState>
    /// What the open span records; touch it only while holding the lock, on the open span,
    /// except in the call that finished the span (see above).
    let records: UnsafeMutablePointer<SpanRecords>
    /// Keeps the next storage's reference count and lock off the cache line of this one's:
    /// storages are allocated one after another, and two threads each using one of two
    /// neighbours would otherwise both write one line (see `CacheLineMemory`). The fields
    /// written per span (reference count, lock) sit in an object's first 32 bytes; this makes
    /// the object 128 bytes long (144 with malloc's header), so the next object's first 32
    /// bytes lie in another 128-byte pair of lines.
    // A tuple rather than `InlineArray`, which needs Swift 6.2; the package supports 6.1.
    private let padding: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) =
        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)

    init() {
        // One allocation for both, the records on lines of their own after the state's.
        let block = CacheLineMemory.allocate(UInt8.self, capacity: Self.recordsOffset + MemoryLayout<SpanRecords>.stride)
        state = UnsafeMutableRawPointer(block).bindMemory(to: SpanState.self, capacity: 1)
        state.initialize(to: SpanState())
        records = (UnsafeMutableRawPointer(block) + Self.recordsOffset).bindMemory(to: SpanRecords.self, capacity: 1)
        records.initialize(to: SpanRecords())
    }

    deinit {
        state.deinitialize(count: 1)
        records.deinitialize(count: 1)
        CacheLineMemory.deallocate(state)
    }

    /// Where the records start in the storage's block: the first cache line after the state.
    private static var recordsOffset: Int { CacheLineMemory.wholeLines(MemoryLayout<SpanState>.stride) }

    /// Takes the lock. Hot paths lock explicitly so that large values (a `FinishedSpan`) are
    /// built in place rather than returned through a closure's generic result.
    @inline(__always)
    func lock() { spanLock.lock() }

    /// Releases the lock.
    @inline(__always)
    func unlock() { spanLock.unlock() }

    /// Runs `body` on the state while holding the lock.
    @inline(__always)
    func withLockedState<Result>(_ body: (inout SpanState) -> Result) -> Result {
        spanLock.lock()
        defer { spanLock.unlock() }
        return body(&state.pointee)
    }

    /// Runs `body` on the records of the open span of `generation` while holding the lock, if
    /// the span is that one and, with `recordedOnly`, recorded; `nil` otherwise.
    @inline(__always)
    func withOpenRecords<Result>(
        _ generation: UInt64, recordedOnly: Bool, _ body: (inout SpanRecords) -> Result
    ) -> Result? {
        spanLock.lock()
        defer { spanLock.unlock() }
        guard isOpen(generation), !recordedOnly || state.pointee.isRecording else { return nil }
        return body(&records.pointee)
    }

    /// Whether the state belongs to the open span of `generation`; call with the lock held.
    @inline(__always)
    func isOpen(_ generation: UInt64) -> Bool {
        state.pointee.generation == generation && state.pointee.isOpen
    }

    /// Makes this the storage of a new open span; returns its generation.
    @inline(__always)
    func start(
        tracer: DapperTracer, operationName: String, context: SpanContext, kind: SpanKind, startWallNanos: Int64? = nil
    ) -> UInt64 {
        spanLock.lock()
        defer { spanLock.unlock() }
        state.pointee.generation &+= 1
        state.pointee.isOpen = true
        // Most processes have one tracer: skip the retain and release of reassigning it.
        if state.pointee.tracer !== tracer { state.pointee.tracer = tracer }
        state.pointee.context = context
        let isRecording = context.isSampled || context.isDebug
        state.pointee.isRecording = isRecording
        state.pointee.children = 0
        records.pointee.start(
            tracer: tracer, operationName: operationName, kind: kind, isRecording: isRecording, startWallNanos: startWallNanos)
        return state.pointee.generation
    }
}
