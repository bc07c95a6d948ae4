import Dapper
import Logging
import ServiceLifecycle

/// Runs a tracer's reporters for the life of a swift-service-lifecycle `ServiceGroup`: on
/// graceful shutdown (or cancellation) it closes the tracer, so that the spans still queued
/// are sent before the process exits, and logs what was delivered and dropped.
///
/// ```swift
/// let group = ServiceGroup(
///     services: [app, DapperTracerService(tracer: tracer, logger: logger)],
///     gracefulShutdownSignals: [.sigterm, .sigint],
///     logger: logger
/// )
/// try await group.run()
/// ```
///
/// List it after the services that make spans: a `ServiceGroup` shuts its services down in
/// reverse order, so the tracer closes once they have stopped.
public struct DapperTracerService: Service {
    /// The tracer whose reporters are closed at shutdown.
    public let tracer: DapperTracer
    /// How long closing may take before the remaining spans are dropped (and counted).
    public let shutdownTimeout: Duration
    private let logger: Logger

    /// Creates the service.
    public init(tracer: DapperTracer, shutdownTimeout: Duration = .seconds(5), logger: Logger) {
        self.tracer = tracer
        self.shutdownTimeout = shutdownTimeout
        self.logger = logger
    }

    public func run() async throws {
        // Returns on graceful shutdown; throws on cancellation, which ends the service too.
        try? await gracefulShutdown()
        let result = await tracer.close(timeout: shutdownTimeout)
        logger.info(
            "Dapper tracer closed",
            metadata: ["delivered": "\(result.delivered)", "dropped": "\(result.dropped)", "pending": "\(result.pending)", "service": "\(tracer.serviceName)"]
        )
    }
}
