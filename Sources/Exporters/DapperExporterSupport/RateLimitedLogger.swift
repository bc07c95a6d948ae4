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

    /// Logs `message` unless a message of `key` went through less than 10 s ago. The caller's
    /// file, function and line are the log event's, so that its source is the exporter's module.
    package func log(
        _ level: Logger.Level, key: String, _ message: @autoclosure () -> String,
        file: String = #fileID, function: String = #function, line: UInt = #line
    ) {
        let now = monotonicNanos()
        guard case .allowed(let suppressed) = limiter.withLock({ $0.admit(key, at: now) }) else { return }
        let text = message()
        logger.log(
            level: level, "\(suppressed > 0 ? "\(text) (\(suppressed) similar messages suppressed)" : text)",
            file: file, function: function, line: line)
    }
}
#endif
