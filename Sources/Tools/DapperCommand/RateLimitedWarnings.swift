#if Command  // a package trait, on by default (README, "Installation")
import Dapper

/// Messages about bad input for standard error, at most `perSecond` lines a second for each
/// reason (`RateLimiter` decides): a flood of bad packets cannot flood the terminal or the
/// log. What is held back is said in one "suppressed" line per reason and second, once the
/// second is over (at the next message, at ``flushEndedSeconds()``, or at ``flush()``); the
/// exact counts are in the listener's statistics.
final class RateLimitedWarnings: Sendable {
    private let writer: LineWriter
    /// Written under its lock, so that a "suppressed" line and the message after it stay in
    /// order.
    private let limiter: LockedValue<RateLimiter>

    init(writer: LineWriter, perSecond: Int = 10) {
        self.writer = writer
        self.limiter = LockedValue(RateLimiter(limit: perSecond, per: .seconds(1)))
    }

    /// Writes `message` (already escaped) unless `reason` had its share this second.
    func warn(reason: String, _ message: String) {
        let now = monotonicNanos()
        limiter.withLock { limiter in
            guard case .allowed(let suppressedBefore) = limiter.admit(reason, at: now) else { return }
            sayWhatWasSuppressed(reason, suppressedBefore)
            writer.write("dapper agent: " + message)
        }
    }

    /// Says what was held back in every second that is over; called now and then, so that
    /// the count of a flood that has stopped is not held back until the end.
    func flushEndedSeconds() {
        let now = monotonicNanos()
        limiter.withLock { limiter in
            for (reason, suppressed) in limiter.takeEndedWindows(at: now) { sayWhatWasSuppressed(reason, suppressed) }
        }
    }

    /// Says what is held back in the current second of every reason.
    func flush() {
        limiter.withLock { limiter in
            for (reason, suppressed) in limiter.takeSuppressed() { sayWhatWasSuppressed(reason, suppressed) }
        }
    }

    private func sayWhatWasSuppressed(_ reason: String, _ suppressed: Int) {
        guard suppressed > 0 else { return }
        writer.write("dapper agent: suppressed \(suppressed) more \(reason) messages")
    }
}
#endif
