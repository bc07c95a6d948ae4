#if OTLPHTTP || OTLPGRPC  // package traits, on by default (README, "Installation")
import DapperReporting

extension OTLPExporter {
    /// The pipeline's settings for an OTLP exporter: OpenTelemetry's batch span processor
    /// defaults (a queue of 2048 spans, batches of up to 512 exported at least every 5 s), the
    /// configuration's ``OTLPExporterConfiguration/timeout`` per batch, and up to 5 tries of a
    /// retryable failure, 1 s apart at first, doubling (with jitter) up to 30 s, which also caps
    /// a receiver's `Retry-After`.
    ///
    /// Change what you need before making the reporter:
    ///
    /// ```swift
    /// var batching = OTLPExporter.batchingConfiguration(for: configuration)
    /// batching.batchInterval = .seconds(1)
    /// let reporter = try BatchingReporter(exporter: OTLPExporter(configuration: configuration), configuration: batching)
    /// ```
    public static func batchingConfiguration(for configuration: OTLPExporterConfiguration) -> BatchingConfiguration {
        var batching = BatchingConfiguration()
        batching.queueCapacity = 2048
        batching.maximumBatchSpans = 512
        batching.batchInterval = .seconds(5)
        batching.exportTimeout = configuration.timeout
        batching.maximumAttempts = 5
        batching.minimumRetryDelay = .seconds(1)
        batching.maximumRetryDelay = .seconds(30)
        // The exporter splits a batch by its encoded size (maximumRequestBytes), exactly.
        batching.maximumBatchBytes = nil
        return batching
    }
}
#endif
