/// Why a reporter dropped a span. Every drop has one, and reporters count them.
public struct DropReason: Sendable, Hashable, CustomStringConvertible {
    /// A short, stable name, for example `queue_full`.
    public let name: String

    /// Creates a reason; prefer the predefined ones.
    public init(_ name: String) { self.name = name }

    public var description: String { name }

    /// The reporter's queue was full.
    public static let queueFull = DropReason("queue_full")
    /// The span was too large to send even after shrinking.
    public static let oversize = DropReason("oversize")
    /// No connection to the destination.
    public static let notConnected = DropReason("not_connected")
    /// Writing to the destination failed.
    public static let writeError = DropReason("write_error")
    /// The reporter was closed.
    public static let closed = DropReason("closed")
    /// The destination rejected the span (for example an HTTP 4xx answer).
    public static let rejected = DropReason("rejected")
    /// The destination did not answer in time, and retries were exhausted.
    public static let timeout = DropReason("timeout")
    /// The destination kept answering with a server error (an HTTP 5xx, or a gRPC status
    /// worth retrying) until the batch's tries ran out.
    public static let serverError = DropReason("server_error")
    /// The destination kept asking to slow down (HTTP 429, or gRPC `RESOURCE_EXHAUSTED` with
    /// `RetryInfo`) until the batch's tries ran out.
    public static let throttled = DropReason("throttled")
    /// The span could not be encoded.
    public static let encodingError = DropReason("encoding_error")
}
