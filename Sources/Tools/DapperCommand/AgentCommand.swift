#if Command  // a package trait, on by default (README, "Installation")
import ArgumentParser
import Dapper
import DapperAgent
import DapperCollector
import DapperOTLP
import DapperReporting
import DapperZipkin
import Foundation
import DapperZipkinWire

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `dapper agent`: the collector. Receives span.proto datagrams (or framed TCP streams) from
/// `AgentReporter` and from Go services, and writes one line per span to standard output;
/// forwards them to Zipkin (`--zipkin`) and to an OTLP receiver (`--otlp`) when asked.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Receive spans from Dapper and Kratos services and print one line per span.",
        discussion: """
            DSN forms: unixgram:///path/to.sock (the socket file gets mode 0660), udp://HOST:PORT, \
            tcp://HOST:PORT (spans framed by a varint length). Bind to 0.0.0.0 only when \
            other hosts must reach the agent. Bad packets are skipped and counted (messages \
            about them are limited to 10 a second per reason); control characters from peers \
            are escaped in every line. With --otlp, spans from Kratos v1 (Go) and Swift \
            services reach an OpenTelemetry backend (Jaeger, Tempo, a Collector) as OTLP. Output never holds up the agent: lines that standard \
            output cannot take are counted, not waited for. On SIGINT or SIGTERM the agent \
            prints a summary of what it received, skipped, printed and forwarded to standard \
            error.
            """
    )

    enum Output: String, ExpressibleByArgument, CaseIterable {
        case text
        case zipkinJSON = "zipkin-json"
        case none
    }

    @Option(name: .long, help: "Where to listen (default: $TRACE, else \(AgentDSN.default)).")
    var listen: String?

    @Option(name: .long, help: "Line format: text, zipkin-json (one Zipkin v2 span object per line), or none.")
    var output: Output = .text

    @Option(
        name: .long,
        help: "Also send every span to Zipkin, e.g. http://localhost:9411/api/v2/spans (options as URL parameters: encoding=proto3, batch_spans=…, timeout=…).")
    var zipkin: String?

    @Option(
        name: .long,
        help: "Also send every span to an OTLP receiver (OpenTelemetry Collector, Jaeger, Tempo), e.g. http://localhost:4317 (gRPC) or http://localhost:4318/v1/traces (HTTP); headers, compression and timeout from the OTEL_EXPORTER_OTLP_* variables.")
    var otlp: String?

    @Option(
        name: .long,
        help: "OTLP protocol: grpc or http/protobuf (default: OTEL_EXPORTER_OTLP_PROTOCOL, else grpc for port 4317 and http/protobuf otherwise).")
    var otlpProtocol: String?

    @Option(name: .long, help: "Mode of a unixgram socket file, in octal, 0 to 0777.")
    var socketMode: String = "0660"

    @Option(name: .long, help: "The most TCP connections served at once; more are closed at once and counted.")
    var maxConnections: Int = 256

    @Option(name: .long, help: "Seconds a TCP connection may send nothing before it is closed; 0 never closes.")
    var idleTimeout: Double = 30

    /// The parsed `--socket-mode`, `nil` when it is not an octal mode from 0 to 0777.
    var parsedSocketMode: UInt32? {
        guard let mode = UInt32(socketMode, radix: 8), mode <= 0o777 else { return nil }
        return mode
    }

    func validate() throws {
        guard parsedSocketMode != nil else {
            throw ValidationError("--socket-mode must be an octal mode from 0 to 0777, such as 0660, not \(TerminalEscaping.escaped(socketMode))")
        }
        guard maxConnections >= 1 else {
            throw ValidationError("--max-connections must be at least 1, not \(maxConnections)")
        }
        guard idleTimeout.isFinite, idleTimeout >= 0, idleTimeout <= 86_400 * 365 else {
            throw ValidationError("--idle-timeout must be a number of seconds from 0 (never) to 31536000, not \(idleTimeout)")
        }
    }

    func run() async throws {
        // A reader that goes away must not kill the agent: writes then fail with EPIPE, and
        // the lines are counted as not printed.
        signal(SIGPIPE, SIG_IGN)
        let parent: pid_t? = getenv(Termination.exitWithParentVariable).map { String(cString: $0) == "1" } == true ? getppid() : nil
        let dsn: AgentDSN
        do {
            if let listen {
                dsn = try AgentDSN(parsing: listen)
            } else {
                dsn = try AgentDSN.fromEnvironment()
            }
        } catch {
            throw ValidationError("invalid DSN: \(error)")
        }
        let forwarder: ZipkinReporter?
        if let zipkin {
            do {
                forwarder = try ZipkinReporter(configuration: ZipkinConfiguration(parsing: zipkin))
            } catch {
                throw ValidationError("invalid --zipkin URL: \(error)")
            }
        } else {
            forwarder = nil
        }
        var otlpForwarder: BatchingReporter<OTLPExporter>?
        var otlpTarget = ""
        if let otlp {
            let chosen: OTLPProtocol?
            if let otlpProtocol {
                guard let known = OTLPProtocol(rawValue: otlpProtocol) else {
                    throw ValidationError("--otlp-protocol must be grpc or http/protobuf, not \(TerminalEscaping.escaped(otlpProtocol))")
                }
                chosen = known
            } else {
                chosen = nil
            }
            do {
                let configuration = try OTLPExporterConfiguration(
                    url: otlp, protocol: chosen, environment: ProcessInfo.processInfo.environment)
                otlpForwarder = try BatchingReporter(
                    exporter: OTLPExporter(configuration: configuration), configuration: OTLPForwarding.batching(for: configuration))
                otlpTarget = "\(configuration.redactedEndpoint) (OTLP, \(configuration.protocol))"
            } catch {
                throw ValidationError("cannot forward to OTLP: \(error)")
            }
        }
        var configuration = AgentListener.Configuration()
        configuration.unixSocketMode = parsedSocketMode ?? 0o660
        configuration.maximumConnections = maxConnections
        configuration.idleTimeout = idleTimeout == 0 ? nil : .milliseconds(Int64((idleTimeout * 1000).rounded(.up)))

        Termination.prepare()
        let errors = try LineWriter(descriptor: STDERR_FILENO)
        let lines = output == .none ? nil : try LineWriter(descriptor: STDOUT_FILENO)
        let warnings = RateLimitedWarnings(writer: errors)
        let output = self.output
        let listener = try AgentListener(dsn: dsn, configuration: configuration)
        let otlpSink = otlpForwarder
        // The forwarders get Kratos v1 spans of 128-bit traces widened (TraceIDWidening).
        let widening: TraceIDWidening? =
            forwarder == nil && otlpSink == nil
            ? nil
            : try TraceIDWidening { span in
                forwarder?.report(span)
                otlpSink?.report(span)
            }
        try listener.start { event in
            switch event {
            case .span(let span):
                lines?.write(Self.line(span, output: output))
                widening?.submit(span)
            case .rejected(let reason, let detail):
                warnings.warn(reason: reason, "skipped a packet (\(reason)): \(TerminalEscaping.escaped(detail))")
            }
        }
        if dsn.network == .unixgram, configuration.unixSocketMode & 0o002 != 0 {
            errors.write("dapper agent: warning: --socket-mode \(socketMode) is world-writable: every local user can send spans")
        }
        var forwarding = forwarder.map { ", forwarding to \($0.configuration.redactedEndpoint)" } ?? ""
        if otlpForwarder != nil { forwarding += (forwarding.isEmpty ? ", forwarding to " : " and ") + otlpTarget }
        errors.write(TerminalEscaping.escaped("dapper agent: listening on \(listener.dsn)\(forwarding)"))

        let termination = try await Termination.wait(parent: parent) { warnings.flushEndedSeconds() }
        listener.stop()
        widening?.stop()
        warnings.flush()
        var summary = "dapper agent: \(termination.rawValue): \(Self.summary(listener.statistics))"
        if let lines {
            let counts = lines.close(timeout: .seconds(2))
            summary += "; printed \(counts.written) lines, not printed \(counts.notWritten)"
        }
        if let widening, widening.widenedCount > 0 {
            summary += "; gave \(widening.widenedCount) spans of Kratos v1 hops their trace's 128-bit ID"
        }
        errors.write(summary)
        if let forwarder {
            let result = await forwarder.close(timeout: .seconds(5))
            errors.write(Self.forwarded("Zipkin", forwarder.statistics, result, requests: forwarder.transport.messages))
        }
        if let otlpForwarder {
            let result = await otlpForwarder.close(timeout: .seconds(5))
            errors.write(Self.forwarded("OTLP", otlpForwarder.statistics, result, requests: nil))
        }
        _ = errors.close(timeout: .seconds(2))
    }

    /// The output line of `span`, without its newline.
    static func line(_ span: FinishedSpan, output: Output) -> [UInt8] {
        switch output {
        case .text:
            return Array(SpanTextFormatter.line(span).utf8)
        case .zipkinJSON:
            var bytes: [UInt8] = []
            ZipkinJSONEncoder().append(span, to: &bytes)
            TerminalEscaping.escapeRawControls(inJSON: &bytes)
            return bytes
        case .none:
            return []
        }
    }

    /// A forwarder's closing line: every span it took, delivered, dropped by reason, or still
    /// pending when its close ran out of time.
    static func forwarded(_ name: String, _ statistics: ReporterStatistics, _ result: FlushResult, requests: Int?) -> String {
        "dapper agent: \(name): delivered \(statistics.delivered) spans\(requests.map { " in \($0) requests" } ?? ""), "
            + "dropped \(statistics.totalDropped)\(reasons(statistics.dropped)), \(result.pending) still pending; "
            + "not forwarded \(statistics.totalDropped + result.pending)"
    }

    static func reasons(_ dropped: [DropReason: Int]) -> String {
        guard !dropped.isEmpty else { return "" }
        return " (" + dropped.sorted { $0.key.name < $1.key.name }.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + ")"
    }

    static func summary(_ statistics: AgentListener.Statistics) -> String {
        var text = "received \(statistics.spans) spans, skipped \(statistics.totalRejected) packets"
        if !statistics.rejected.isEmpty {
            let reasons = statistics.rejected.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
            text += " (" + reasons.joined(separator: ", ") + ")"
        }
        if statistics.connections > 0 { text += ", \(statistics.connections) TCP connections" }
        if statistics.refusedConnections > 0 { text += ", \(statistics.refusedConnections) refused (over the cap)" }
        if statistics.idleConnectionsClosed > 0 { text += ", \(statistics.idleConnectionsClosed) closed when idle" }
        if statistics.acceptErrors > 0 { text += ", \(statistics.acceptErrors) accept errors" }
        return text
    }
}
#endif
