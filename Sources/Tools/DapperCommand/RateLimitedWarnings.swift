#if Command  // a package trait, on by default (README, "Installation")
import Dapper

/// Messages about bad input for standard error, at most `perSecond` lines a second for each
/// reason: a flood of bad packets cannot flood the terminal or the log. What is held back is
/// said in one "suppressed" line per reason and second, once the second is over (at the next
/// message, at ``flushEndedSeconds()``, or at ``flush()``); the exact counts are in the
/// listener's statistics.
final class RateLimitedWarnings: Sendable {
    private struct Window {
        var start: UInt64
        var printed = 0
        var suppressed = 0
    }

    private let writer: LineWriter
    private let perSecond: Int
    private let windows = LockedValue<[String: Window]>([:])

    init(writer: LineWriter, perSecond: Int = 10) {
        self.writer = writer
        self.perSecond = perSecond
    }

    /// Writes `message` (already escaped) unless `reason` had its share this second.
    func warn(reason: String, _ message: String) {
        let now = monotonicNanos()
        windows.withLock { windows in
            var window = windows[reason] ?? Window(start: now)
            if now &- window.start >= 1_000_000_000 {
                sayWhatWasSuppressed(reason, window)
                window = Window(start: now)
            }
            if window.printed < perSecond {
                window.printed += 1
                writer.write("dapper agent: " + message)
            } else {
                window.suppressed += 1
            }
            windows[reason] = window
        }
    }

    /// Says what was held back in every second that is over; called now and then, so that
    /// the count of a flood that has stopped is not held back until the end.
    func flushEndedSeconds() {
        let now = monotonicNanos()
        windows.withLock { windows in
            for (reason, window) in windows.sorted(by: { $0.key < $1.key }) where now &- window.start >= 1_000_000_000 {
                sayWhatWasSuppressed(reason, window)
                windows[reason] = nil
            }
        }
    }

    /// Says what is held back in the current second of every reason.
    func flush() {
        windows.withLock { windows in
            for (reason, window) in windows.sorted(by: { $0.key < $1.key }) {
                sayWhatWasSuppressed(reason, window)
                windows[reason] = Window(start: window.start, printed: window.printed)
            }
        }
    }

    private func sayWhatWasSuppressed(_ reason: String, _ window: Window) {
        guard window.suppressed > 0 else { return }
        writer.write("dapper agent: suppressed \(window.suppressed) more \(reason) messages")
    }
}
#endif
