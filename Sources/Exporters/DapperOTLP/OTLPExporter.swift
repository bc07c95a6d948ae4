#if OTLPHTTP || OTLPGRPC  // package traits, on by default (README, "Installation")
import Dapper
import DapperExporterSupport
import DapperOTLPWire
import DapperReporting
import Logging

#if OTLPHTTP
import AsyncHTTPClient
#endif

/// Exports spans to an OTLP receiver (an OpenTelemetry Collector, Jaeger, Tempo): the
/// ``/DapperReporting/SpanExporter`` to plug into a ``/DapperReporting/BatchingReporter``.
///
/// ```swift
/// let configuration = try OTLPExporterConfiguration.fromProcessEnvironment()
/// let reporter = try BatchingReporter(
///     exporter: OTLPExporter(configuration: configuration),
///     configuration: OTLPExporter.batchingConfiguration(for: configuration))
/// setGlobalTracer(DapperTracer(serviceName: "user-service", reporter: reporter))
/// ```
///
/// Each batch is encoded as one `ExportTraceServiceRequest` (``/DapperOTLPWire/OTLPSpanEncoder``)
/// and sent on the pipeline's thread; a batch whose encoding exceeds
/// ``OTLPExporterConfiguration/maximumRequestBytes`` is split in halves until each part fits.
/// What the receiver answers is handled as the OTLP specification says:
///
/// - success: the spans are delivered; a partial success counts its rejected spans as
///   ``/Dapper/DropReason/rejected`` and logs the receiver's message, and is never sent again;
/// - HTTP 429, 502, 503, 504, a network error or a timeout: the batch is tried again by the
///   pipeline, after the receiver's `Retry-After` when it gives one, else after the
///   pipeline's backoff; when the tries run out the spans count as
///   ``/Dapper/DropReason/throttled``, ``/Dapper/DropReason/serverError``,
///   ``/Dapper/DropReason/notConnected``, ``/Dapper/DropReason/timeout`` or
///   ``/Dapper/DropReason/writeError``;
/// - any other error status (400 included): the spans are dropped at once as
///   ``/Dapper/DropReason/rejected``.
///
/// A span too large for a request on its own is dropped as ``/Dapper/DropReason/oversize``; one
/// OTLP cannot carry (a time before 1970) as ``/Dapper/DropReason/encodingError``. Errors are
/// logged through swift-log at most once per 10 s per kind, without header values or the
/// endpoint's user info, the receiver's text escaped.
public final class OTLPExporter: SpanExporter {
    /// `otlp`, for statistics and metrics.
    public let name = "otlp"
    /// Where and how the exporter sends.
    public let configuration: OTLPExporterConfiguration

    private let transport: any OTLPTransport
    private let encoder: OTLPSpanEncoder
    private let logger: RateLimitedLogger
    private let redactedEndpoint: String
    /// The last failed request, for the message when the pipeline gives its spans up.
    private var lastFailure: (reason: DropReason, detail: String)?

    #if OTLPHTTP
    /// Creates an exporter for `configuration`.
    ///
    /// - Parameters:
    ///   - configuration: Where and how to send.
    ///   - httpClient: A client for OTLP/HTTP; by default the exporter makes its own and shuts it
    ///     down in ``shutdown()``. A client you pass stays yours to shut down. The exporter's
    ///     requests all run on one event loop of the client's group, on a connection of that
    ///     loop.
    ///   - logger: Where errors go, rate-limited.
    /// - Throws: ``OTLPExporterError/invalidConfiguration(_:)`` when
    ///   ``OTLPExporterConfiguration/validate()`` fails;
    ///   ``OTLPExporterError/transportUnavailable(_:reason:)`` when this build has no transport
    ///   for the configured protocol.
    public convenience init(
        configuration: OTLPExporterConfiguration = OTLPExporterConfiguration(), httpClient: HTTPClient? = nil,
        logger: Logger = Logger(label: "dapper.otlp")
    ) throws(OTLPExporterError) {
        let limited = RateLimitedLogger(logger)
        do {
            try configuration.validate()
        } catch {
            throw .invalidConfiguration(error)
        }
        let transport: any OTLPTransport
        switch configuration.protocol {
        case .httpProtobuf:
            transport = try OTLPHTTPTransport(configuration: configuration, httpClient: httpClient, logger: limited)
        case .grpc:
            #if OTLPGRPC
            transport = try OTLPGRPCTransport(configuration: configuration)
            #else
            throw .transportUnavailable(.grpc, reason: "the package trait OTLPGRPC is off")
            #endif
        }
        self.init(configuration: configuration, transport: transport, logger: limited)
    }
    #else
    /// Creates an exporter for `configuration`.
    ///
    /// - Parameters:
    ///   - configuration: Where and how to send.
    ///   - logger: Where errors go, rate-limited.
    /// - Throws: ``OTLPExporterError/invalidConfiguration(_:)`` when
    ///   ``OTLPExporterConfiguration/validate()`` fails;
    ///   ``OTLPExporterError/transportUnavailable(_:reason:)`` when this build has no transport
    ///   for the configured protocol.
    public convenience init(
        configuration: OTLPExporterConfiguration = OTLPExporterConfiguration(), logger: Logger = Logger(label: "dapper.otlp")
    ) throws(OTLPExporterError) {
        do {
            try configuration.validate()
        } catch {
            throw .invalidConfiguration(error)
        }
        #if OTLPGRPC
        guard configuration.protocol == .grpc else {
            throw .transportUnavailable(.httpProtobuf, reason: "the package trait OTLPHTTP is off")
        }
        self.init(configuration: configuration, transport: try OTLPGRPCTransport(configuration: configuration), logger: RateLimitedLogger(logger))
        #else
        throw .transportUnavailable(configuration.protocol, reason: "the package traits OTLPHTTP and OTLPGRPC are off")
        #endif
    }
    #endif

    /// An exporter over `transport`: the seam the protocols plug into, and the tests' fakes.
    init(configuration: OTLPExporterConfiguration, transport: any OTLPTransport, logger: RateLimitedLogger) {
        self.configuration = configuration
        self.transport = transport
        self.logger = logger
        redactedEndpoint = configuration.redactedEndpoint
        encoder = OTLPSpanEncoder(resource: configuration.resource)
    }

    // MARK: Sending

    /// Sends `spans` in as many requests as ``OTLPExporterConfiguration/maximumRequestBytes``
    /// needs, stopping at the first request that fails in a way worth retrying: the spans of
    /// that request are the result's failure, for the pipeline to try again.
    public func export(_ spans: UnsafeBufferPointer<FinishedSpan>, deadline: ContinuousClock.Instant) -> ExportResult {
        var result = ExportResult()
        // The specification's timeout is per batch export; a request of a split batch gets what
        // is left of it.
        send(spans, by: min(deadline, .now.advanced(by: configuration.timeout)), into: &result)
        return result
    }

    private enum Step {
        case sent(continues: Bool)
        case split
        case unencodable(index: Int, detail: String)
    }

    /// Sends `spans`, halving them until each request fits, leaving out a span OTLP cannot
    /// carry; returns false after a retryable failure.
    @discardableResult
    private func send(
        _ spans: UnsafeBufferPointer<FinishedSpan>, by deadline: ContinuousClock.Instant, into result: inout ExportResult
    ) -> Bool {
        guard !spans.isEmpty else { return true }
        let limit = configuration.maximumRequestBytes
        var step: Step
        do {
            step = try encoder.withEncodedRequest(spans) { body in
                if body.count <= limit { return .sent(continues: post(body, count: spans.count, by: deadline, into: &result)) }
                return .split
            }
        } catch {
            switch error {
            case .invalidTime(let index, _, _), .invalidLogTime(let index, _):
                step = .unencodable(index: index, detail: "\(error)")
            case .tooLarge:
                step = .split
            }
        }
        switch step {
        case .sent(let continues):
            return continues
        case .split where spans.count == 1:
            result.drop(.oversize)
            logger.log(
                .warning, key: "oversize",
                "OTLP exporter: a span is larger than the \(limit)-byte request limit (maximumRequestBytes); dropped")
            return true
        case .split:
            let middle = spans.count / 2
            guard send(UnsafeBufferPointer(rebasing: spans[..<middle]), by: deadline, into: &result) else { return false }
            return send(UnsafeBufferPointer(rebasing: spans[middle...]), by: deadline, into: &result)
        case .unencodable(let index, let detail):
            guard send(UnsafeBufferPointer(rebasing: spans[..<index]), by: deadline, into: &result) else { return false }
            result.drop(.encodingError)
            logger.log(.warning, key: "encoding", "OTLP exporter: \(detail); the span is dropped")
            return send(UnsafeBufferPointer(rebasing: spans[(index + 1)...]), by: deadline, into: &result)
        }
    }

    /// Sends one request of `count` spans; returns false when it failed in a way worth
    /// retrying.
    private func post(
        _ body: UnsafeRawBufferPointer, count: Int, by deadline: ContinuousClock.Instant, into result: inout ExportResult
    ) -> Bool {
        switch transport.send(body, deadline: deadline) {
        case .accepted(let rejectedSpans, let message):
            let rejected = min(max(rejectedSpans, 0), count)
            result.deliver(count - rejected)
            result.drop(.rejected, rejected)
            result.countRequest(succeeded: true, bytes: body.count)
            if rejected > 0 {
                logger.log(
                    .error, key: "partial_success",
                    "OTLP exporter: \(redactedEndpoint) rejected \(rejected) of \(count) spans: \(Self.peerText(message))")
            } else if !message.isEmpty {
                logger.log(.warning, key: "warning", "OTLP exporter: \(redactedEndpoint) accepted the spans with a warning: \(Self.peerText(message))")
            }
            return true
        case .retryable(let reason, let after, let detail):
            result.countRequest(succeeded: false)
            lastFailure = (reason, detail)
            // The spans of later requests were not tried: only these share the failure.
            result.failure = ExportFailure(reason: reason, retry: after.map { .after($0) } ?? .afterBackoff, count: count)
            return false
        case .rejected(let reason, let detail):
            result.drop(reason, count)
            result.countRequest(succeeded: false)
            logger.log(.error, key: "rejected", "OTLP exporter: \(detail); \(count) spans dropped (\(reason))")
            return true
        }
    }

    /// A receiver's text as logs show it: escaped, and cut at 512 characters.
    static func peerText(_ text: String) -> String {
        let escaped = TerminalEscaping.escaped(text)
        return escaped.count > 512 ? String(escaped.prefix(512)) + "…" : escaped
    }

    /// Logs why the pipeline gave up on a failing batch: its tries ran out, or a close ran out
    /// of time.
    public func didDrop(_ count: Int, after attempts: Int, reason: DropReason) {
        guard attempts > 0 else {
            logger.log(.error, key: "closed", "OTLP exporter: closed before sending; \(count) spans dropped (\(reason))")
            return
        }
        let failure = lastFailure ?? (reason, "sending failed")
        logger.log(.error, key: failure.reason.name, "OTLP exporter: \(failure.detail) after \(attempts) tries; \(count) spans dropped (\(reason))")
    }

    /// Shuts the transport down (the HTTP client the exporter made); called by the pipeline
    /// once, after the last export.
    public func shutdown() {
        transport.shutdown()
    }
}
#endif
