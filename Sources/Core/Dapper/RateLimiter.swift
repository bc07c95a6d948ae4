/// Whether a message may be written now: at most `limit` messages per key in a window of
/// `interval`, the rest counted, so that a flood (a collector down for an hour, a peer sending
/// garbage) cannot flood a log or a terminal, yet says how much it held back.
///
/// A key's window opens with the first message after the previous window ended and lasts
/// `interval`. What a window held back is handed out once: with the first message of the
/// key's next window (``admit(_:at:)``), or by ``takeEndedWindows(at:)`` and
/// ``takeSuppressed()`` for a writer that says it on a line of its own.
///
/// A value without a lock: its owner keeps it under a lock of its own, which may also cover the
/// writing (the agent's warnings do, so that a "suppressed" line and the message after it stay
/// in order). The Zipkin reporter's log (one message per kind every 10 s) and the agent's
/// warnings on standard error (10 a second per reason) are its two owners.
package struct RateLimiter: Sendable {
    /// The decision for one message.
    package enum Admission: Sendable, Hashable {
        /// Write the message. `suppressedBefore` messages of the key were held back in its
        /// window that just ended (0 if none): say so now, before or with this message.
        case allowed(suppressedBefore: Int)
        /// Hold the message back; it is counted.
        case suppressed
    }

    private struct Window: Sendable {
        var start: UInt64
        var admitted = 0
        var suppressed = 0
    }

    /// Messages let through per key and window (at least 1).
    package let limit: Int
    /// The window's length, in nanoseconds.
    package let intervalNanos: UInt64
    private var windows: [String: Window] = [:]

    /// A limiter of `limit` messages per key every `interval`.
    package init(limit: Int, per interval: Duration) {
        self.limit = max(1, limit)
        self.intervalNanos = max(1, interval.clampedNanos)
    }

    /// Decides on a message of `key` at `now` (monotonic nanoseconds, ``monotonicNanos()``).
    package mutating func admit(_ key: String, at now: UInt64) -> Admission {
        var window = windows[key] ?? Window(start: now)
        var suppressedBefore = 0
        if now &- window.start >= intervalNanos {
            suppressedBefore = window.suppressed
            window = Window(start: now)
        }
        defer { windows[key] = window }
        guard window.admitted < limit else {
            window.suppressed += 1
            return .suppressed
        }
        window.admitted += 1
        return .allowed(suppressedBefore: suppressedBefore)
    }

    /// Forgets the windows that have ended by `now`, returning what each held back (keys with
    /// nothing held back left out), by key: for a writer that says it while no message comes.
    package mutating func takeEndedWindows(at now: UInt64) -> [(key: String, suppressed: Int)] {
        let ended = windows.filter { now &- $0.value.start >= intervalNanos }
        for key in ended.keys { windows[key] = nil }
        return Self.heldBack(ended)
    }

    /// Returns what every window has held back so far, by key, and counts from zero again;
    /// the windows go on (their messages let through still count against their limit).
    package mutating func takeSuppressed() -> [(key: String, suppressed: Int)] {
        let current = windows
        for key in current.keys { windows[key]?.suppressed = 0 }
        return Self.heldBack(current)
    }

    private static func heldBack(_ windows: [String: Window]) -> [(key: String, suppressed: Int)] {
        windows.filter { $0.value.suppressed > 0 }.sorted { $0.key < $1.key }.map { ($0.key, $0.value.suppressed) }
    }
}
