#if OTLPGRPC  // a package trait, on by default (README, "Installation")
import Dapper
import GRPCCore
import GRPCNIOTransportHTTP2Posix

/// OTLP/gRPC's client: sends an already encoded `ExportTraceServiceRequest` to
/// `opentelemetry.proto.collector.trace.v1.TraceService/Export` over grpc-swift-2's HTTP/2
/// transport, and says how the call ended in the OTLP specification's terms (``OTLPGRPCResult``).
///
/// The reporting pipeline sends from a thread of its own, so ``export(_:deadline:)`` blocks
/// that thread while the call runs as a task; the connections run in a task that `init`
/// starts and ``shutdown()`` stops.
package final class OTLPGRPCClient: Sendable {
    /// The largest response accepted: an `ExportTraceServiceResponse` is a partial success's
    /// count and message, far below this.
    static let maxResponseBytes = 1 << 20
    /// How long ``shutdown()`` lets calls in flight finish, then how long it waits for the
    /// cancelled connections.
    static let gracefulShutdownBound: Duration = .seconds(2)
    static let cancelledShutdownBound: Duration = .seconds(1)
    /// The status details trailer, where RetryInfo arrives.
    static let statusDetailsKey = "grpc-status-details-bin"

    private let client: GRPCClient<HTTP2ClientTransport.Posix>
    private let metadata: Metadata
    private let connections: Task<Void, Never>
    private let connectionsEnded = BlockingSlot<Bool>()

    /// Validates `target` and starts the client's connections (the first is made by the first
    /// call).
    ///
    /// - Throws: ``OTLPGRPCClientError`` for an empty host, a port outside 1…65535, a
    ///   metadata name or value gRPC does not allow, or a transport grpc-swift cannot create.
    package init(target: OTLPGRPCTarget) throws(OTLPGRPCClientError) {
        var host = target.host
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw .emptyHost }
        guard (1...65535).contains(target.port) else { throw .invalidPort(target.port) }
        metadata = try Self.metadata(target.metadata)

        var config = HTTP2ClientTransport.Posix.Config.defaults
        if target.gzip {
            config.compression = .init(algorithm: .gzip, enabledAlgorithms: .gzip)
        }
        let transport: HTTP2ClientTransport.Posix
        do {
            // `.dns` for a name and an address alike: it is the host TLS verifies.
            transport = try HTTP2ClientTransport.Posix(
                target: .dns(host: host, port: target.port), transportSecurity: target.useTLS ? .tls : .plaintext,
                config: config)
        } catch {
            throw .transport("\(error)")
        }
        let client = GRPCClient(transport: transport)
        self.client = client
        let ended = connectionsEnded
        connections = Task {
            // It throws only when the client was already running or stopped, which this
            // class never lets happen; either way the connections are over.
            try? await client.runConnections()
            ended.fill(true)
        }
    }

    deinit {
        client.beginGracefulShutdown()
    }

    /// Sends `request` (an encoded `ExportTraceServiceRequest`) and blocks the calling thread
    /// until the call ends or `deadline` passes, whichever is first; then the call is cancelled
    /// and the result is `deadline_exceeded`, retryable.
    ///
    /// Call it from a thread of your own (the reporting pipeline's), never from a task: it
    /// waits on a condition variable. Nothing the server sends makes it crash.
    package func export(_ request: UnsafeRawBufferPointer, deadline: ContinuousClock.Instant) -> OTLPGRPCResult {
        let remaining = ContinuousClock.now.duration(to: deadline)
        guard remaining > .zero else { return Self.deadlineExceeded }
        let waitUntil = monotonicNanos() + remaining.clampedNanos
        let message = Array(request)
        var options = CallOptions.defaults
        options.timeout = remaining
        // Fail at once when the collector cannot be reached, rather than wait for a connection
        // until the deadline: the pipeline decides when to try again.
        options.waitForReady = false
        options.maxResponseMessageBytes = Self.maxResponseBytes
        let outcome = BlockingSlot<OTLPGRPCResult>()
        let call = Task { [client, metadata, options] in
            outcome.fill(await Self.call(client, message: message, metadata: metadata, options: options))
        }
        if let result = outcome.wait(untilNanos: waitUntil) { return result }
        call.cancel()
        return Self.deadlineExceeded
    }

    /// Stops the client: calls in flight get a short while to finish, then the connections are
    /// cancelled; returns within about three seconds in any case. Calls after it fail with
    /// `client_stopped`. Blocks the calling thread, like ``export(_:deadline:)``.
    package func shutdown() {
        client.beginGracefulShutdown()
        if connectionsEnded.wait(untilNanos: monotonicNanos() + Self.gracefulShutdownBound.clampedNanos) != nil { return }
        connections.cancel()
        _ = connectionsEnded.wait(untilNanos: monotonicNanos() + Self.cancelledShutdownBound.clampedNanos)
    }

    static let deadlineExceeded = OTLPGRPCResult.failed(
        code: "deadline_exceeded", retryable: true, retryAfter: nil,
        message: "no answer before the deadline; the call was cancelled")

    private static func call(
        _ client: GRPCClient<HTTP2ClientTransport.Posix>, message: [UInt8], metadata: Metadata, options: CallOptions
    ) async -> OTLPGRPCResult {
        do {
            return try await client.unary(
                request: ClientRequest(message: message, metadata: metadata), descriptor: .otlpTraceExport,
                serializer: RawMessageSerializer(), deserializer: RawMessageDeserializer(), options: options
            ) { response in
                OTLPGRPCResult.ok(response: try response.message)
            }
        } catch let error as RPCError {
            var details: [UInt8]?
            for value in error.metadata[binaryValues: statusDetailsKey] {
                details = value
                break
            }
            return GRPCFailureClassification.failure(code: error.code.rawValue, message: error.message, statusDetails: details)
        } catch let error as RuntimeError where error.code == .clientIsStopped {
            return .failed(code: "client_stopped", retryable: false, retryAfter: nil, message: "the OTLP/gRPC client has been shut down")
        } catch is CancellationError {
            return .failed(code: "cancelled", retryable: true, retryAfter: nil, message: "the call was cancelled")
        } catch {
            return .failed(code: "unknown", retryable: false, retryAfter: nil, message: TerminalEscaping.escaped("\(error)"))
        }
    }

    /// gRPC metadata from the configured pairs: names lower-cased and checked against gRPC's
    /// rules (a name the transport would reject or mangle is a configuration error, found
    /// here rather than at every call); values printable ASCII.
    private static func metadata(_ pairs: [(name: String, value: String)]) throws(OTLPGRPCClientError) -> Metadata {
        var metadata = Metadata()
        for (name, value) in pairs {
            let lowered = name.lowercased()
            let allowed = !lowered.isEmpty && lowered.utf8.allSatisfy { byte in
                (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
            }
            guard allowed, !lowered.hasPrefix("grpc-"), !lowered.hasSuffix("-bin") else { throw .invalidMetadataName(name) }
            guard value.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else { throw .invalidMetadataValue(name: name) }
            metadata.addString(value, forKey: lowered)
        }
        return metadata
    }
}
#endif
