import ArgumentParser
import DapperDemoServices
import DapperOTLP
import DapperZipkin
import Foundation

/// `dapper-demo`: a gateway, a user service (gRPC) and an order service (HTTP) in one process,
/// traced into Dapper and collected by an agent on a temporary socket; prints the traces.
@main
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dapper-demo",
        abstract: "Run three traced services on 127.0.0.1, send them requests, and print the traces the agent collected."
    )

    @Option(help: "How many requests to send to the gateway.")
    var requests = 24

    @Option(help: "Also send every collected span to this Zipkin endpoint (e.g. http://localhost:9411/api/v2/spans).")
    var zipkin: String?

    @Option(
        help: "Also send every collected span to this OTLP receiver (e.g. http://localhost:4317 for gRPC, http://localhost:4318 for HTTP; OTEL_EXPORTER_OTLP_* variables apply).")
    var otlp: String?

    func run() async throws {
        var options = Demo.Options()
        options.requests = requests
        if let zipkin {
            do {
                options.zipkin = try ZipkinConfiguration(parsing: zipkin)
            } catch {
                throw ValidationError("invalid --zipkin URL: \(error)")
            }
        }
        if let otlp {
            do {
                options.otlp = try OTLPExporterConfiguration(url: otlp, environment: ProcessInfo.processInfo.environment)
            } catch {
                throw ValidationError("invalid --otlp URL: \(error)")
            }
        }
        let outcome = try await Demo.run(options)
        print(outcome.report, terminator: "")
        if outcome.reporterStatistics.totalDropped > 0 || (outcome.otlp?.totalDropped ?? 0) > 0 { throw ExitCode(1) }
    }
}

