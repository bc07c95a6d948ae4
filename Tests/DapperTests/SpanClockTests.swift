@testable import Dapper
import Foundation
import Testing

/// Compatibility §4: start times from the wall clock, durations from a monotonic clock.
@Suite struct SpanClockTests {
    @Test func startInstantIsOnTheWallClock() {
        let before = wallClockNanos()
        let now = SpanClock.now()
        let after = wallClockNanos()
        #expect(now.wallNanos >= before - 1_000_000_000)
        #expect(now.wallNanos <= after + 1_000_000_000)
    }

    @Test func wallNanosMatchesFoundation() {
        #expect(abs(SpanClock.wallNanos() - wallClockNanos()) < 1_000_000_000)
    }

    @Test func monotonicClockNeverGoesBack() {
        var previous = SpanClock.monotonicNanos()
        var backwards = 0
        for _ in 0..<10_000 {
            let next = SpanClock.monotonicNanos()
            if next < previous { backwards += 1 }
            previous = next
        }
        #expect(backwards == 0)
    }

    @Test func coarseSecondsAreTheCurrentUnixSecond() {
        let seconds = Int64(Date().timeIntervalSince1970)
        #expect(abs(SpanClock.coarseUnixSeconds() - seconds) <= 1)
    }
}
