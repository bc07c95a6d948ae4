#if Zipkin || OTLPHTTP  // package traits, on by default (README, "Installation")
import AsyncHTTPClient
import Dapper
import NIOCore

// What the exporters that post with AsyncHTTPClient share: its deadlines and its errors.

/// `duration` as NIO's time amount, saturated so that adding it to now cannot overflow (NIO
/// traps on that), whatever was configured.
package func nioTimeAmount(_ duration: Duration) -> TimeAmount {
    .nanoseconds(Int64(min(duration.clampedNanos, UInt64(Int64.max) / 4)))
}

/// The reason a request that failed with `error` (AsyncHTTPClient's, or the network's under
/// it) is counted under when its tries run out.
package func dropReason(forHTTPClientError error: any Error) -> DropReason {
    if let error = error as? HTTPClientError,
        error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout || error == .writeTimeout
    {
        return .timeout
    }
    let text = String(describing: error).lowercased()
    if text.contains("connection refused") || text.contains("connect") { return .notConnected }
    return .writeError
}
#endif
