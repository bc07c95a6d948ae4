import Dapper
import DapperAgent
import DapperCollector
import DapperOTLP
import DapperReporting
import DapperZipkin
import Foundation

/// The demo's collector: the agent (`AgentListener`) on a unixgram socket in a fresh temporary
/// directory, keeping every span it receives, and forwarding them to Zipkin and to an OTLP
/// receiver when asked, as `dapper agent --zipkin … --otlp …` does.
public final class DemoCollector: Sendable {
    /// Where the services' agent reporter sends.
    public let dsn: AgentDSN
    private let directory: URL
    private let listener: AgentListener
    private let collected = CollectedSpans()
    private let forwarder: ZipkinReporter?
    private let otlpForwarder: BatchingReporter<OTLPExporter>?
    private let widening: TraceIDWidening

    /// Starts listening; `zipkin` also forwards every span to that Zipkin endpoint, `otlp` to
    /// that OTLP receiver.
    public init(zipkin: ZipkinConfiguration? = nil, otlp: OTLPExporterConfiguration? = nil) throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("dapper-demo-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        dsn = AgentDSN(network: .unixgram, address: directory.appendingPathComponent("agent.sock").path)
        listener = try AgentListener(dsn: dsn)
        forwarder = try zipkin.map { configuration throws(ZipkinReporterError) in try ZipkinReporter(configuration: configuration) }
        otlpForwarder = try otlp.map { configuration in
            var batching = OTLPExporter.batchingConfiguration(for: configuration)
            batching.batchInterval = .milliseconds(200)
            return try BatchingReporter(exporter: OTLPExporter(configuration: configuration), configuration: batching)
        }
        let forwarder = self.forwarder
        let otlpForwarder = self.otlpForwarder
        // As `dapper agent` does: the stock service's spans (a Kratos v1 hop) get the 128-bit
        // ID of the trace they belong to before they are forwarded.
        widening = try TraceIDWidening { span in
            forwarder?.report(span)
            otlpForwarder?.report(span)
        }
        let collected = self.collected
        let widening = self.widening
        try listener.start { event in
            if case .span(let span) = event {
                collected.add(span)
                widening.submit(span)
            }
        }
    }

    /// The spans received so far.
    public var spans: [FinishedSpan] { collected.spans }

    /// Waits until `count` spans have arrived, or `timeout` has passed; returns the spans.
    public func waitForSpans(_ count: Int, timeout: Duration) async -> [FinishedSpan] {
        let deadline = ContinuousClock.now + timeout
        while collected.count < count, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        return collected.spans
    }

    /// Spans the agent received (its own count, which includes spans it could not decode).
    public var received: Int { listener.statistics.spans }

    /// Stops listening, closes the forwarders (Zipkin's, OTLP's) after sending what they hold,
    /// removes the socket directory; returns the forwarders' statistics, spans still queued at
    /// the end counted as dropped.
    public func stop() async -> (zipkin: ReporterStatistics?, otlp: ReporterStatistics?) {
        listener.stop()
        widening.stop()
        _ = await forwarder?.close(timeout: .seconds(5))
        _ = await otlpForwarder?.close(timeout: .seconds(10))
        try? FileManager.default.removeItem(at: directory)
        return (forwarder?.statistics, otlpForwarder?.statistics)
    }
}
