import DapperReporting
import Testing

/// How reporters wait in `flush` and `close`: until the condition or the deadline, and,
/// in a cancelled task, still until then, without spinning.
@Suite struct DeadlineWaitTests {
    @Test func theWaitEndsAsSoonAsTheConditionHolds() async {
        let start = ContinuousClock.now
        var checks = 0
        await DeadlineWait.until(start + .seconds(30)) {
            checks += 1
            return checks == 3
        }
        #expect(checks == 3)
        #expect(ContinuousClock.now - start < .seconds(30))
    }

    /// A reporter closed during a cancelled shutdown still gets its time, and sleeps through
    /// it: a cancelled task's `Task.sleep` returns at once, which would spin a core.
    @Test func aCancelledTaskWaitsUntilTheDeadlineWithoutSpinning() async {
        let waited = Task { () -> (Duration, Int) in
            withUnsafeCurrentTask { $0?.cancel() }
            let start = ContinuousClock.now
            var checks = 0
            await DeadlineWait.until(start + .milliseconds(50)) {
                checks += 1
                return false
            }
            return (ContinuousClock.now - start, checks)
        }
        let (elapsed, checks) = await waited.value
        #expect(elapsed >= .milliseconds(50))
        // About one check a millisecond; a spinning loop makes hundreds of thousands.
        #expect(checks <= 60)
    }
}
