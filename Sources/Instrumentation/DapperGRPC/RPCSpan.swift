#if GRPC  // a package trait, on by default (README, "Installation")
import GRPCCore
import Synchronization
import Tracing

/// An RPC's span, ended exactly once: with the RPC's outcome, or, if the RPC is dropped before
/// it has one, when the last reference to it goes.
///
/// gRPC does not always reach the point where an interceptor learns the outcome: a server
/// whose transport fails before the response is written never calls the response's
/// producer, and a client that stops reading a response stream early (or never reads it)
/// never sees the trailing metadata. Without this, such RPCs (the failed ones operators look
/// for) would never be reported.
final class RPCSpan: Sendable {
    private let span: any Tracing.Span
    private let ended = Atomic<Bool>(false)
    private let side: Side

    enum Side {
        /// Dropped before the producer ran: the response was never sent, an error.
        case server
        /// Dropped before the trailing metadata was read: the caller stopped reading, which
        /// it may do on purpose; not an error, and no status is known.
        case client
    }

    init(_ span: any Tracing.Span, side: Side) {
        self.span = span
        self.side = side
    }

    /// Ends the span with the RPC's outcome: `nil` for OK.
    func end(with error: (any Error)?) {
        guard !ended.exchange(true, ordering: .acquiringAndReleasing) else { return }
        Self.end(span, with: error)
    }

    deinit {
        guard !ended.load(ordering: .acquiring) else { return }
        switch side {
        case .server:
            Self.end(span, with: RPCError(code: .unknown, message: "the RPC ended before its response was sent"))
        case .client:
            span.attributes[RPCTags.abandoned] = true
            span.end()
        }
    }

    /// How an RPC's outcome lands on a span: `rpc.grpc.status_code`, and for an error the
    /// error mark and its message. The code is the one gRPC sends: an `RPCError`'s, or an
    /// `RPCErrorConvertible`'s, else UNKNOWN.
    static func end(_ span: any Tracing.Span, with error: (any Error)?) {
        guard let error else {
            span.attributes[RPCTags.statusCode] = 0
            span.end()
            return
        }
        let code: RPCError.Code =
            if let rpcError = error as? RPCError {
                rpcError.code
            } else if let convertible = error as? any RPCErrorConvertible {
                convertible.rpcErrorCode
            } else {
                .unknown
            }
        span.attributes[RPCTags.statusCode] = code.rawValue
        span.recordError(error)
        span.setStatus(SpanStatus(code: .error))
        span.end()
    }
}
#endif
