import DapperReporting
import Testing

@Suite struct RetryBackoffTests {
    @Test func withoutJitterTheWaitsDoubleUpToTheCapAndStartOverAfterAReset() {
        var backoff = RetryBackoff(minimum: .milliseconds(100), maximum: .milliseconds(500))
        #expect((0..<5).map { _ in backoff.next() } == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(500), .milliseconds(500)])
        backoff.reset()
        #expect(backoff.next() == .milliseconds(100))
    }

    @Test func jitterShortensEachWaitByAtMostItsFractionAndNeverLengthensIt() {
        var backoff = RetryBackoff(minimum: .milliseconds(100), maximum: .milliseconds(800), jitter: 0.5)
        var waits: [Duration] = []
        for _ in 0..<200 {
            let capped = backoff.current
            let wait = backoff.next()
            #expect(wait <= capped && wait >= capped / 2, "\(wait) for \(capped)")
            waits.append(wait)
            if backoff.current == backoff.maximum { backoff.reset() }
        }
        #expect(Set(waits).count > 4)
    }

    @Test func outOfRangeArgumentsAreClampedRatherThanTrapping() {
        let backoff = RetryBackoff(minimum: .seconds(2), maximum: .seconds(1), jitter: .nan)
        #expect(backoff.maximum == .seconds(2))
        #expect(backoff.jitter == 0)
        #expect(RetryBackoff(jitter: 7).jitter == 1)
    }
}
