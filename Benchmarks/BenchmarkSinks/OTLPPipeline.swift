import Dapper
import DapperOTLP
import DapperOTLPWire
import DapperReporting
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A `BatchingReporter` over an `OTLPExporter` with the exporter's own defaults (OTLP/HTTP
/// protobuf, batches of up to 512, a queue of 2048), posting to an `AcceptingHTTPServer`:
/// `otlp-exporter-throughput`, in DapperBenchmarks and in OTelComparison.
public final class OTLPPipeline: Sendable {
    /// The resource of the OTLP benchmarks and of CallgrindLoops' `otlp-encode`.
    public static let resource = OTLPResource(serviceName: "benchmark", attributes: [("deployment.environment", "bench")])

    /// The local sink.
    public let server: AcceptingHTTPServer
    /// The reporter the benchmark reports into.
    public let reporter: BatchingReporter<OTLPExporter>

    /// Starts the server and the reporter.
    public init() throws {
        server = try AcceptingHTTPServer(status: .ok, path: "/v1/traces")
        var configuration = OTLPExporterConfiguration()
        configuration.endpoint = server.endpoint
        configuration.serviceName = Self.resource.serviceName
        configuration.resourceAttributes = Self.resource.attributes
        reporter = try BatchingReporter(
            exporter: OTLPExporter(configuration: configuration),
            configuration: OTLPExporter.batchingConfiguration(for: configuration))
    }

    /// Reports `span` `count` times, pausing while the queue is over half full, as a service
    /// does whose requests arrive no faster than they are served: the steady throughput of
    /// the pipeline, with nothing dropped as long as the exporter keeps up.
    public func reportSteadily(_ span: FinishedSpan, count: Int) {
        let highWater = reporter.configuration.queueCapacity / 2
        for index in 0..<count {
            reporter.report(span)
            if index & 63 == 0 {
                while reporter.queuedCount > highWater { sched_yield() }
            }
        }
    }

    /// Sends what is queued, prints what the reporter counted, stops the server.
    public func stop() async {
        let result = await reporter.close(timeout: .seconds(10))
        let statistics = reporter.statistics
        print(
            "otlp-exporter-throughput: reported \(statistics.reported), delivered \(statistics.delivered), "
                + "dropped \(statistics.totalDropped), requests \(server.requestCount), pending \(result.pending)")
        server.stop()
    }
}
