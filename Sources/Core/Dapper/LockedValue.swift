#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A value behind a pthread mutex, for the cold paths (the pool's depot, the process-wide
/// tracer's list, test reporters).
///
/// Not `Synchronization.Mutex`: its lock lives in the uninstrumented standard library, so the
/// thread sanitizer cannot see that it orders accesses and reports races that are not there.
/// The sanitizer intercepts pthread mutexes, which keeps `swift test --sanitize=thread`
/// meaningful for this package.
package final class LockedValue<Value> {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    /// Creates the box.
    package init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let status = pthread_mutex_init(mutex, nil)
        precondition(status == 0, "pthread_mutex_init failed: \(status)")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` on the value while holding the mutex.
    package func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}

// Safe to share: `value` is only touched inside `withLock`, under the mutex.
extension LockedValue: @unchecked Sendable where Value: Sendable {}
