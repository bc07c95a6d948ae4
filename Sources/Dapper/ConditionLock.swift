#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A pthread mutex with a condition variable: what a writer thread sleeps on.
///
/// pthread rather than `Synchronization.Mutex` so that the thread sanitizer, which intercepts
/// pthread calls, sees the ordering (see `LockedValue` in the core).
package final class ConditionLock: @unchecked Sendable {
    // @unchecked: the mutex and condition are only used through pthread calls, which are
    // thread-safe by definition; the pointers themselves never change.
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private let condition: UnsafeMutablePointer<pthread_cond_t>

    package init() {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        condition = .allocate(capacity: 1)
        condition.initialize(to: pthread_cond_t())
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    package func lock() { pthread_mutex_lock(mutex) }
    package func unlock() { pthread_mutex_unlock(mutex) }

    /// Waits for a signal or until `deadline` (monotonic nanoseconds); the mutex must be held.
    package func wait(untilNanos deadline: UInt64?) {
        guard let deadline else {
            pthread_cond_wait(condition, mutex)
            return
        }
        var time = timespec(tv_sec: Int(deadline / 1_000_000_000), tv_nsec: Int(deadline % 1_000_000_000))
        pthread_cond_timedwait(condition, mutex, &time)
    }

    package func signal() { pthread_cond_signal(condition) }
    package func broadcast() { pthread_cond_broadcast(condition) }
}

/// Monotonic time in nanoseconds.
package func monotonicNanos() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

extension Duration {
    /// The duration in whole nanoseconds, 0 when negative, saturating.
    package var clampedNanos: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0, attoseconds >= 0 || seconds > 0 else { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return UInt64.max / 2 }
        return whole + UInt64(max(0, attoseconds) / 1_000_000_000)
    }
}

/// A thread could not be made: the process or the system is out of threads or memory.
public struct ThreadStartError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The error `pthread_create` returned (`EAGAIN` when out of threads).
    public var code: Int32

    /// Creates an error for a `pthread_create` result.
    public init(code: Int32) { self.code = code }

    public var description: String { "cannot start a thread: \(String(cString: strerror(code)))" }
}

/// Starts a detached thread of its own, not one of Swift's cooperative pool: reporters' writers
/// block in socket calls, which must stay off that pool.
///
/// - Throws: ``ThreadStartError`` when the system refuses a thread; `body` is then not run.
package func startThread(_ body: @escaping @Sendable () -> Void) throws(ThreadStartError) {
    final class Box: Sendable {
        let body: @Sendable () -> Void
        init(body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let box = Unmanaged.passRetained(Box(body: body))
    var thread = pthread_t()
    let status = pthread_create(&thread, nil, { context in
        guard let context else { return nil }
        let box = Unmanaged<Box>.fromOpaque(context).takeRetainedValue()
        box.body()
        return nil
    }, box.toOpaque())
    guard status == 0 else {
        box.release()
        throw ThreadStartError(code: status)
    }
    pthread_detach(thread)
}
