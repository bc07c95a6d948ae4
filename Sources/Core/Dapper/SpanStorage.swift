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
    // Safe to share: `state` is only read or written between `lock()` and `unlock()`
    // (`withLockedState` does both), and the pointer itself never changes.
    private let spanLock = SpanLock()
    /// The state; touch it only while holding the lock.
    let state: UnsafeMutablePointer<SpanState>
    /// Keeps the next storage's reference count and lock off the cache line of this one's:
    /// storages are allocated one after another, and two threads each using one of two
    /// neighbours would otherwise both write one line (see `CacheLineMemory`). The fields
    /// written per span (reference count, lock) sit in an object's first 32 bytes; this makes
    /// the object 128 bytes long, so the next object's first 32 start two lines further.
    private let padding = InlineArray<12, UInt64>(repeating: 0)

    init() {
        state = CacheLineMemory.allocate(SpanState.self)
        state.initialize(to: SpanState())
    }

    deinit {
        state.deinitialize(count: 1)
        CacheLineMemory.deallocate(state)
    }

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

    /// Whether the state belongs to the open span of `generation`; call with the lock held.
    @inline(__always)
    func isOpen(_ generation: UInt64) -> Bool {
        state.pointee.generation == generation && state.pointee.isOpen
    }
}
