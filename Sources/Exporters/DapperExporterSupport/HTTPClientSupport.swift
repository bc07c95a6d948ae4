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

/// Where an exporter's requests run: the task and its connection both on one event loop of
/// `client`'s group, taken once per exporter.
///
/// AsyncHTTPClient 1.37 tells its pool that a connection is free again from a callback that
/// hops from the request's event loop to the connection's (`HTTP1ClientChannelHandler`, on
/// `.sendRequestEnd` after a response that ended before the request body did, which a server
/// that answers as soon as it has `Content-Length` bytes causes). With the request on another
/// loop than its connection, which `.indifferent` gives every other request on a reused
/// connection, the connection can close (a client shut down just after the answer, a server
/// gone) and the pool forget it before that hop runs, and the pool then stops the process
/// ("A connection that we don't know was released?"). On one loop the release runs in the
/// write's own callback, before any close can be handled.
package func requestEventLoop(of client: HTTPClient) -> HTTPClient.EventLoopPreference {
    let eventLoop = client.eventLoopGroup.next()
    // AsyncHTTPClient stops the process for a loop its group does not list: a group that lists
    // none gets the client's own choice.
    guard client.eventLoopGroup.makeIterator().contains(where: { $0 === eventLoop }) else { return .indifferent }
    return .delegateAndChannel(on: eventLoop)
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
