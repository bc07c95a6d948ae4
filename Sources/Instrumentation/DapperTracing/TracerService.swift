#if DistributedTracing  // a package trait, on by default (README, "Installation")
import Dapper
import Logging
import ServiceLifecycle

/// Runs tracers' reporters for the life of a swift-service-lifecycle `ServiceGroup`: on
/// graceful shutdown (or cancellation) it closes the tracers, so that the spans still queued
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
/// reverse order, so the tracers close once they have stopped. A process that hosts several
/// services, each with its own ``/Dapper/DapperTracer`` (`TracerSelectionMiddleware`,
/// `ServerTracingInterceptor(tracer:)`), gives them all: ``init(tracers:shutdownTimeout:logger:)``.
public struct DapperTracerService: Service {
    /// The tracers whose reporters are closed at shutdown.
    public let tracers: [DapperTracer]
    /// How long closing may take before the remaining spans are dropped (and counted).
    public let shutdownTimeout: Duration
    private let logger: Logger

    /// Creates the service for one tracer.
    public init(tracer: DapperTracer, shutdownTimeout: Duration = .seconds(5), logger: Logger) {
        self.init(tracers: [tracer], shutdownTimeout: shutdownTimeout, logger: logger)
    }

    /// Creates the service for several tracers, closed together (within one
    /// `shutdownTimeout`) at shutdown.
    public init(tracers: [DapperTracer], shutdownTimeout: Duration = .seconds(5), logger: Logger) {
        self.tracers = tracers
        self.shutdownTimeout = shutdownTimeout
        self.logger = logger
    }

    public func run() async throws {
        // Returns on graceful shutdown; throws on cancellation, which ends the service too.
        try? await gracefulShutdown()
        let timeout = shutdownTimeout
        let logger = logger
        await withTaskGroup(of: Void.self) { group in
            for tracer in tracers {
                group.addTask {
                    let result = await tracer.close(timeout: timeout)
                    logger.info(
                        "Dapper tracer closed",
                        metadata: [
                            "delivered": "\(result.delivered)", "dropped": "\(result.dropped)",
                            "pending": "\(result.pending)", "service": "\(tracer.serviceName)",
                        ]
                    )
                }
            }
        }
    }
}
#endif
