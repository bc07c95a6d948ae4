#if Zipkin || OTLPHTTP || OTLPGRPC  // package traits, on by default (README, "Installation")
import Dapper
import Logging

/// A logger that lets one message per key through every 10 seconds (`RateLimiter` decides),
/// and says how many it held back: a collector that is down for an hour must not flood the
/// service's log.
package final class RateLimitedLogger: Sendable {
    private let logger: Logger
    private let limiter = LockedValue(RateLimiter(limit: 1, per: .seconds(10)))

    package init(_ logger: Logger) { self.logger = logger }

    package func log(_ level: Logger.Level, key: String, _ message: @autoclosure () -> String) {
        let now = monotonicNanos()
        guard case .allowed(let suppressed) = limiter.withLock({ $0.admit(key, at: now) }) else { return }
        let text = message()
        logger.log(level: level, "\(suppressed > 0 ? "\(text) (\(suppressed) similar messages suppressed)" : text)")
    }
}
#endif
