#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// State that each thread keeps for itself so that the hot path takes no lock and makes
/// no system call: the identifier generator and a magazine of recycled span storage.
///
/// Reached through a pthread key (about 3 ns here); it is only ever touched by the thread
/// that owns it, which is why it needs no synchronisation and is not `Sendable`.
final class ThreadLocalState {
    var random: WyRandom
    /// Span storage recycled on this thread, used before the shared depot.
    var magazine: [SpanStorage]

    init() {
        var seed: UInt64 = 0
        var system = SystemRandomNumberGenerator()
        while seed == 0 { seed = system.next() }
        random = WyRandom(seed: seed)
        magazine = []
        magazine.reserveCapacity(SpanPool.magazineCapacity)
    }

    /// This thread's state, created on first use and released when the thread exits.
    @inline(__always)
    static var current: ThreadLocalState {
        if let pointer = pthread_getspecific(threadLocalStateKey) {
            return Unmanaged<ThreadLocalState>.fromOpaque(pointer).takeUnretainedValue()
        }
        return makeCurrent()
    }

    @inline(never)
    private static func makeCurrent() -> ThreadLocalState {
        let state = ThreadLocalState()
        pthread_setspecific(threadLocalStateKey, Unmanaged.passRetained(state).toOpaque())
        return state
    }
}

private let threadLocalStateKey: pthread_key_t = {
    var key = pthread_key_t()
    let status = pthread_key_create(&key) { pointer in
        // Runs at thread exit: the magazine's spans go back to the shared depot.
        #if canImport(Darwin)
        let pointer: UnsafeMutableRawPointer? = pointer
        #endif
        guard let pointer else { return }
        let state = Unmanaged<ThreadLocalState>.fromOpaque(pointer).takeRetainedValue()
        SpanPool.shared.returnMagazine(&state.magazine)
    }
    precondition(status == 0, "pthread_key_create failed: the process is out of thread-specific keys")
    return key
}()

/// The wyrand generator: 64-bit output, one multiply per number, passes BigCrush.
/// Not cryptographic, which identifiers do not need; seeded per thread from the system's
/// secure source.
struct WyRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    @inline(__always)
    mutating func next() -> UInt64 {
        state &+= 0xa076_1d64_78bd_642f
        let product = state.multipliedFullWidth(by: state ^ 0xe703_7ed1_a0b4_28db)
        return product.high ^ product.low
    }
}
