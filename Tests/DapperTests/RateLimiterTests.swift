import Dapper
import Testing

/// The decision behind the Zipkin reporter's log (one message per kind every 10 s) and the
/// agent's warnings (10 a second per reason), on a clock the tests move.
@Suite struct RateLimiterTests {
    static let second: UInt64 = 1_000_000_000

    @Test func oneEveryTenSecondsCarriesTheCountOfWhatItHeldBack() {
        var limiter = RateLimiter(limit: 1, per: .seconds(10))
        #expect(limiter.admit("timeout", at: 0) == .allowed(suppressedBefore: 0))
        for offset in 1...3 {
            #expect(limiter.admit("timeout", at: UInt64(offset) * Self.second) == .suppressed)
        }
        #expect(limiter.admit("timeout", at: 10 * Self.second - 1) == .suppressed)
        #expect(limiter.admit("timeout", at: 10 * Self.second) == .allowed(suppressedBefore: 4))
        #expect(limiter.admit("timeout", at: 25 * Self.second) == .allowed(suppressedBefore: 0))
    }

    @Test func eachKeyHasItsOwnWindow() {
        var limiter = RateLimiter(limit: 1, per: .seconds(10))
        #expect(limiter.admit("timeout", at: 0) == .allowed(suppressedBefore: 0))
        #expect(limiter.admit("rejected", at: Self.second) == .allowed(suppressedBefore: 0))
        #expect(limiter.admit("timeout", at: 2 * Self.second) == .suppressed)
        #expect(limiter.admit("rejected", at: 10 * Self.second) == .suppressed, "its window opened a second later")
    }

    @Test func tenASecondThenTheRestAreCounted() {
        var limiter = RateLimiter(limit: 10, per: .seconds(1))
        let decisions = (0..<25).map { limiter.admit("malformed", at: UInt64($0) * 1_000_000) }
        #expect(decisions.prefix(10).allSatisfy { $0 == .allowed(suppressedBefore: 0) })
        #expect(decisions.dropFirst(10).allSatisfy { $0 == .suppressed })
        #expect(limiter.admit("malformed", at: Self.second) == .allowed(suppressedBefore: 15))
    }

    @Test func endedWindowsAreSaidOnceAndForgotten() {
        var limiter = RateLimiter(limit: 1, per: .seconds(1))
        for key in ["b", "a", "quiet"] { _ = limiter.admit(key, at: 0) }
        _ = limiter.admit("a", at: 1)
        _ = limiter.admit("b", at: 2)
        _ = limiter.admit("b", at: 3)
        #expect(limiter.takeEndedWindows(at: Self.second - 1).isEmpty, "no window has ended yet")
        let ended = limiter.takeEndedWindows(at: Self.second)
        #expect(ended.map(\.key) == ["a", "b"])
        #expect(ended.map(\.suppressed) == [1, 2])
        #expect(limiter.takeEndedWindows(at: 5 * Self.second).isEmpty)
        #expect(limiter.admit("a", at: 5 * Self.second) == .allowed(suppressedBefore: 0))
    }

    @Test func takingWhatIsHeldBackKeepsTheWindowsGoing() {
        var limiter = RateLimiter(limit: 2, per: .seconds(1))
        for offset in 0..<5 { _ = limiter.admit("write", at: UInt64(offset)) }
        let held = limiter.takeSuppressed()
        #expect(held.map(\.key) == ["write"])
        #expect(held.map(\.suppressed) == [3])
        #expect(limiter.takeSuppressed().isEmpty)
        #expect(limiter.admit("write", at: 10) == .suppressed, "the window's two messages are spent")
        #expect(limiter.admit("write", at: Self.second) == .allowed(suppressedBefore: 1))
    }

    @Test func aLimitBelowOneLetsOneThrough() {
        var limiter = RateLimiter(limit: 0, per: .zero)
        #expect(limiter.limit == 1)
        #expect(limiter.admit("k", at: 0) == .allowed(suppressedBefore: 0))
        #expect(limiter.admit("k", at: 1) == .allowed(suppressedBefore: 0), "a window of at least one nanosecond")
    }
}
