#if OTLPGRPC  // a package trait, on by default (README, "Installation")
import Dapper

/// One value handed from a task to a waiting thread: the bridge between grpc-swift's async
/// calls and the reporting pipeline's own pthread, which must not run on (nor block) the
/// cooperative pool.
final class BlockingSlot<Value: Sendable>: @unchecked Sendable {
    // @unchecked: `value` is only read and written with `condition`'s mutex held.
    private let condition = ConditionLock()
    private var value: Value?

    /// Stores `value` (the first one only) and wakes the waiter.
    func fill(_ value: Value) {
        condition.lock()
        if self.value == nil { self.value = value }
        condition.broadcast()
        condition.unlock()
    }

    /// The value, once filled; `nil` if `deadline` (monotonic nanoseconds) passes first.
    func wait(untilNanos deadline: UInt64) -> Value? {
        condition.lock()
        defer { condition.unlock() }
        while value == nil, monotonicNanos() < deadline {
            condition.wait(untilNanos: deadline)
        }
        return value
    }
}
#endif
