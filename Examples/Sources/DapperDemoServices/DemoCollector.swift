import Dapper
import DapperAgent
import DapperCollector
import DapperZipkin
import Foundation

/// The demo's collector: the agent (`AgentListener`) on a unixgram socket in a fresh temporary
/// directory, keeping every span it receives, and forwarding them to Zipkin when asked.
public final class DemoCollector: Sendable {
    /// Where the services' agent reporter sends.
    public let dsn: AgentDSN
    private let directory: URL
    private let listener: AgentListener
    private let collected = CollectedSpans()
    private let forwarder: ZipkinReporter?

    /// Starts listening; `zipkin` also forwards every span to that Zipkin endpoint.
    public init(zipkin: ZipkinConfiguration? = nil) throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("dapper-demo-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        dsn = AgentDSN(network: .unixgram, address: directory.appendingPathComponent("agent.sock").path)
        listener = try AgentListener(dsn: dsn)
        forwarder = try zipkin.map { configuration throws(ZipkinReporterError) in try ZipkinReporter(configuration: configuration) }
        let collected = self.collected
        let forwarder = self.forwarder
        try listener.start { event in
            if case .span(let span) = event {
                collected.add(span)
                forwarder?.report(span)
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

    /// Stops listening, flushes the Zipkin forwarder, removes the socket directory.
    public func stop() async -> FlushResult? {
        listener.stop()
        let result = await forwarder?.close(timeout: .seconds(5))
        try? FileManager.default.removeItem(at: directory)
        return result
    }
}
