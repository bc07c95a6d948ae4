#if Command  // a package trait, on by default (README, "Installation")
import DapperOTLP
import DapperReporting

/// The agent's `--otlp` forwarder: the OTLP exporter on the reporting pipeline.
enum OTLPForwarding {
    /// The pipeline's settings for forwarding: the OTLP defaults, with a queue as deep as the
    /// Zipkin forwarder's (an agent collects for many services) and a batch at least every second.
    static func batching(for configuration: OTLPExporterConfiguration) -> BatchingConfiguration {
        var batching = OTLPExporter.batchingConfiguration(for: configuration)
        batching.queueCapacity = 10_000
        batching.batchInterval = .seconds(1)
        return batching
    }
}
#endif
