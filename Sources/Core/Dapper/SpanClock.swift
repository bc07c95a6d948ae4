#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The clocks a span reads: wall-clock start time and monotonic duration (Compatibility §4).
///
/// A span needs its start on the wall clock and its duration from a monotonic clock. Reading
/// both costs two `clock_gettime` calls (about 22 ns each here); instead the wall-clock start is
/// derived from the monotonic reading plus an offset between the two clocks that is refreshed
/// once a second. Durations stay monotonic; a wall-clock step shows up in start times within a
/// second, with at most the NTP slew of one second (0.5 ms) in between.
enum SpanClock {
    /// Nanoseconds on the monotonic clock.
    @inline(__always)
    static func monotonicNanos() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) &* 1_000_000_000 &+ Int64(spec.tv_nsec)
    }

    /// Nanoseconds since the Unix epoch on the wall clock, read directly.
    static func wallNanos() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) &* 1_000_000_000 &+ Int64(spec.tv_nsec)
    }

    /// Seconds since the Unix epoch from the coarse clock (a few ms of resolution, 6 ns),
    /// which is all the sampler's per-second slots need.
    @inline(__always)
    static func coarseUnixSeconds() -> Int64 {
        var spec = timespec()
        #if canImport(Darwin)
        clock_gettime(CLOCK_REALTIME, &spec)
        #else
        clock_gettime(CLOCK_REALTIME_COARSE, &spec)
        #endif
        return Int64(spec.tv_sec)
    }

    /// A start instant: wall-clock nanoseconds since the Unix epoch and the monotonic reading.
    @inline(__always)
    static func now() -> (wallNanos: Int64, monotonicNanos: Int64) {
        let monotonic = monotonicNanos()
        if monotonic &- anchor.refreshedAt.load(ordering: .relaxed) > 1_000_000_000 {
            anchor.refresh(monotonic: monotonic)
        }
        return (monotonic &+ anchor.offset.load(ordering: .relaxed), monotonic)
    }

    private static let anchor = Anchor()

    private final class Anchor: Sendable {
        /// Wall clock minus monotonic clock, in nanoseconds.
        let offset = Atomic<Int64>(0)
        let refreshedAt = Atomic<Int64>(Int64.min / 2)

        init() { refresh(monotonic: SpanClock.monotonicNanos()) }

        func refresh(monotonic: Int64) {
            // Racing refreshes store equally good offsets; the last one wins.
            offset.store(SpanClock.wallNanos() &- SpanClock.monotonicNanos(), ordering: .relaxed)
            refreshedAt.store(monotonic, ordering: .relaxed)
        }
    }
}
