#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import CDapperThreadLocal

/// State that each thread keeps for itself so that the hot path takes no lock and makes
/// no system call: the identifier generator, a magazine of recycled span storage, and copies of
/// the values finished spans carry from their tracer.
///
/// It lives in plain memory reached through a C thread-local pointer (one instruction), not in
/// an object, so that reaching it costs no reference counting; a pthread key, set once per
/// thread, only serves to run the clean-up at thread exit. Only the thread that owns it touches it,
/// which is why it needs no synchronisation.
struct ThreadLocalState {
    var random: WyRandom
    /// Span storage recycled on this thread, each held with one retain, used before the
    /// shared depot.
    let magazine: UnsafeMutablePointer<Unmanaged<SpanStorage>>
    var magazineCount: Int
    /// The values of tracers that this thread's finished spans carry.
    var tracerCopies = ThreadTracerCopies()

    /// This thread's state, created on first use and freed when the thread exits.
    @inline(__always)
    static var current: UnsafeMutablePointer<ThreadLocalState> {
        if let pointer = dapper_thread_state_get() {
            return pointer.assumingMemoryBound(to: ThreadLocalState.self)
        }
        return makeCurrent()
    }

    @inline(never)
    private static func makeCurrent() -> UnsafeMutablePointer<ThreadLocalState> {
        var seed: UInt64 = 0
        var system = SystemRandomNumberGenerator()
        while seed == 0 { seed = system.next() }
        let state = CacheLineMemory.allocate(ThreadLocalState.self)
        state.initialize(to: ThreadLocalState(
            random: WyRandom(seed: seed),
            magazine: CacheLineMemory.allocate(Unmanaged<SpanStorage>.self, capacity: SpanPool.magazineCapacity),
            magazineCount: 0
        ))
        pthread_setspecific(threadLocalStateKey, state)
        dapper_thread_state_set(state)
        return state
    }

    /// Runs at thread exit: the magazine's storages go back to the shared depot.
    fileprivate static func destroy(_ state: UnsafeMutablePointer<ThreadLocalState>) {
        // A span started by a later destructor on this thread makes a new state, whose own
        // clean-up glibc runs on its next round of destructors.
        dapper_thread_state_set(nil)
        SpanPool.shared.returnMagazine(state.pointee.magazine, count: state.pointee.magazineCount)
        CacheLineMemory.deallocate(state.pointee.magazine)
        state.deinitialize(count: 1)
        CacheLineMemory.deallocate(state)
    }
}

private let threadLocalStateKey: pthread_key_t = {
    var key = pthread_key_t()
    let status = pthread_key_create(&key) { pointer in
        #if canImport(Darwin)
        let pointer: UnsafeMutableRawPointer? = pointer
        #endif
        guard let pointer else { return }
        ThreadLocalState.destroy(pointer.assumingMemoryBound(to: ThreadLocalState.self))
    }
    precondition(status == 0, "pthread_key_create failed: the process is out of thread-specific keys")
    return key
}()
