#if Zipkin  // a package trait, on by default (README, "Installation")
import Dapper
import Logging

/// A logger that lets one message per key through every 10 seconds, and says how many it
/// held back: a collector that is down for an hour must not flood the service's log.
final class RateLimitedLogger: Sendable {
    private let logger: Logger
    private let state = LockedValue<[String: (last: ContinuousClock.Instant, suppressed: Int)]>([:])
    private static let interval = Duration.seconds(10)

    init(_ logger: Logger) { self.logger = logger }

    func log(_ level: Logger.Level, key: String, _ message: @autoclosure () -> String) {
        let now = ContinuousClock.now
        let suppressed: Int? = state.withLock { state in
            if let entry = state[key], now - entry.last < Self.interval {
                state[key] = (entry.last, entry.suppressed + 1)
                return nil
            }
            let suppressed = state[key]?.suppressed ?? 0
            state[key] = (now, 0)
            return suppressed
        }
        guard let suppressed else { return }
        let text = message()
        logger.log(level: level, "\(suppressed > 0 ? "\(text) (\(suppressed) similar messages suppressed)" : text)")
    }
}
#endif
