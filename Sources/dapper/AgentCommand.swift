import ArgumentParser
import Dapper
import DapperAgent
import DapperWire
import DapperZipkin
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// `dapper agent`: the collector. Receives span.proto datagrams (or framed TCP streams) from
/// `AgentReporter` and from Go services, and writes one line per span to standard output.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Receive spans from Dapper and Kratos services and print one line per span.",
        discussion: """
            DSN forms: unixgram:///path/to.sock (the socket file gets mode 0660), udp://HOST:PORT, \
            tcp://HOST:PORT (spans framed by a varint length). Bind to 0.0.0.0 only when \
            other hosts must reach the agent. Bad packets are skipped and counted; the counts \
            are printed to standard error on SIGINT or SIGTERM.
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
            throw ValidationError("--socket-mode must be an octal mode from 0 to 0777, such as 0660, not \(socketMode)")
        }
        guard maxConnections >= 1 else {
            throw ValidationError("--max-connections must be at least 1, not \(maxConnections)")
        }
        guard idleTimeout.isFinite, idleTimeout >= 0, idleTimeout <= 86_400 * 365 else {
            throw ValidationError("--idle-timeout must be a number of seconds from 0 (never) to 31536000, not \(idleTimeout)")
        }
    }

    func run() async throws {
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
        var configuration = AgentListener.Configuration()
        configuration.unixSocketMode = parsedSocketMode ?? 0o660
        configuration.maximumConnections = maxConnections
        configuration.idleTimeout = idleTimeout == 0 ? nil : .milliseconds(Int64((idleTimeout * 1000).rounded(.up)))
        let listener = try AgentListener(dsn: dsn, configuration: configuration)
        let printer = SpanLinePrinter(output: output)
        try listener.start { event in
            switch event {
            case .span(let span):
                printer.print(span)
                forwarder?.report(span)
            case .rejected(let reason, let detail):
                printer.warn("skipped a packet (\(reason)): \(detail)")
            }
        }
        printer.warn("listening on \(listener.dsn)" + (forwarder.map { ", forwarding to \($0.configuration.endpoint)" } ?? ""))
        let signal = await waitForTermination()
        listener.stop()
        printer.warn("\(signal): \(Self.summary(listener.statistics))")
        if let forwarder {
            let result = await forwarder.close(timeout: .seconds(5))
            let statistics = forwarder.statistics
            printer.warn(
                "Zipkin: delivered \(statistics.delivered) spans in \(forwarder.transport.messages) requests, "
                    + "dropped \(statistics.totalDropped)\(Self.reasons(statistics.dropped)), \(result.pending) still pending")
        }
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

/// The signal that asked the process to stop, 0 until one arrives.
private let receivedSignal = Atomic<Int32>(0)

/// Waits for SIGINT or SIGTERM and returns its name.
///
/// The handler only stores the number (all a signal handler may safely do); the wait looks
/// at it every 50 ms.
func waitForTermination() async -> String {
    for number in [SIGINT, SIGTERM] {
        signal(number, { number in receivedSignal.store(number, ordering: .relaxed) })
    }
    while true {
        switch receivedSignal.load(ordering: .relaxed) {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        default: try? await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// Writes span lines to standard output, one whole line per `write` from any thread, and
/// messages to standard error.
///
/// Unbuffered on purpose: a reader of the pipe sees each span as it arrives, and lines from
/// several threads never interleave.
final class SpanLinePrinter: Sendable {
    private let output: AgentCommand.Output
    private let buffer = LockedValue<[UInt8]>([])

    init(output: AgentCommand.Output) { self.output = output }

    func print(_ span: FinishedSpan) {
        buffer.withLock { buffer in
            buffer.removeAll(keepingCapacity: true)
            switch output {
            case .text: buffer.append(contentsOf: SpanTextFormatter.line(span).utf8)
            case .zipkinJSON: ZipkinJSONEncoder().append(span, to: &buffer)
            case .none: return
            }
            buffer.append(UInt8(ascii: "\n"))
            writeAll(buffer, to: STDOUT_FILENO)
        }
    }

    func warn(_ message: String) {
        buffer.withLock { _ in writeAll(Array("dapper agent: \(message)\n".utf8), to: STDERR_FILENO) }
    }
}

private func writeAll(_ bytes: [UInt8], to descriptor: Int32) {
    bytes.withUnsafeBytes { raw in
        var offset = 0
        while offset < raw.count {
            let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
            if written > 0 {
                offset += written
            } else if written < 0, errno == EINTR {
                continue
            } else {
                return  // the reader went away; nothing useful left to do with the line
            }
        }
    }
}

/// The `text` output: one readable line per span.
enum SpanTextFormatter {
    /// `2023-11-14T22:13:20.123456Z user-service /api/user/info 7b2a…:7b2a…:0 1.235ms server
    /// http.method=GET error=true | event=error message=…`
    static func line(_ span: FinishedSpan) -> String {
        var line = timestamp(span.startTimeNanos)
        line += " \(span.serviceName) \(span.operationName)"
        line += " \(hex(span.context.traceID)):\(hex(span.context.spanID)):\(hex(span.context.parentID))"
        line += " " + duration(span.durationNanos)
        for tag in span.tags where !["region", "zone", "hostname", "ip"].contains(tag.key) {
            line += tag.key == SpanTagKey.spanKind ? " \(tag.value)" : " \(tag.key)=\(tag.value)"
        }
        for log in span.logs {
            line += " |"
            for field in log.fields { line += " \(field.key)=\(field.value)" }
        }
        return line
    }

    private static func hex(_ value: UInt64) -> String { String(value, radix: 16) }

    static func duration(_ nanos: Int64) -> String {
        if nanos < 1_000 { return "\(nanos)ns" }
        if nanos < 1_000_000 { return fixed(Double(nanos) / 1_000, "µs") }
        if nanos < 1_000_000_000 { return fixed(Double(nanos) / 1_000_000, "ms") }
        return fixed(Double(nanos) / 1_000_000_000, "s")
    }

    private static func fixed(_ value: Double, _ unit: String) -> String {
        let scaled = (value * 1000).rounded() / 1000
        return "\(scaled)\(unit)"
    }

    /// ISO 8601 in UTC with microseconds.
    static func timestamp(_ nanos: Int64) -> String {
        var seconds = time_t(nanos / 1_000_000_000)
        var micros = (nanos % 1_000_000_000) / 1_000
        if micros < 0 {
            seconds -= 1
            micros += 1_000_000
        }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let fraction = String(micros)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))"
            + "T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))"
            + "." + String(repeating: "0", count: 6 - fraction.count) + fraction + "Z"
    }
}
