import ArgumentParser
import Dapper
import DapperAgent
import Foundation

/// `dapper demo`: traces a few nested operations, sends the spans through the agent reporter
/// to an agent listening on a temporary unixgram socket (span.proto on the wire, as between
/// Kratos services and their agent), and prints each trace the agent received as a tree.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Trace a few nested operations through a local agent and print the collected traces."
    )

    @Option(help: "How many requests to simulate.")
    var requests = 3

    func run() async throws {
        // The agent: a listener on a socket in a fresh temporary directory.
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("dapper-demo-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let dsn = AgentDSN(network: .unixgram, address: directory.appendingPathComponent("agent.sock").path)
        let listener = try AgentListener(dsn: dsn)
        let collected = CollectedSpans()
        listener.start { event in
            if case .span(let span) = event { collected.add(span) }
        }
        defer { listener.stop() }

        let reporter = AgentReporter(dsn: dsn)
        let tracer = DapperTracer(serviceName: "demo-gateway", reporter: reporter, sampler: .always)
        setGlobalTracer(tracer)

        for request in 0..<requests {
            // Every other request arrives from a Go service with its `kratos-trace-id`.
            var headers = HTTPHeadersCarrier([("Kratos-Trace-Id", "7b2a1c3d4e5f6071:\(String(request + 1, radix: 16)):0:1")])
            if request % 2 == 1 { headers = HTTPHeadersCarrier() }
            let server = (try? tracer.extract(from: headers)) ?? tracer.new("/api/order")
            server.setTitle("/api/order")
            server.setTag("http.method", "GET")
            await withCurrentTrace(server) {
                await handleOrder(failing: request == requests - 1)
            }
            server.setTag("http.status_code", request == requests - 1 ? 500 : 200)
            server.finish()
        }
        let result = await tracer.close(timeout: .seconds(2))
        // The agent has every delivered span once its socket has been read.
        let deadline = ContinuousClock.now + .seconds(2)
        while collected.count < reporter.statistics.delivered, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        print(TraceTreePrinter.render(collected.spans), terminator: "")
        let statistics = reporter.statistics
        print("agent \(dsn.description): \(statistics.delivered) spans delivered as span.proto, "
            + "\(statistics.totalDropped) dropped, \(result.pending) pending; \(listener.statistics.spans) received")
    }

    private func handleOrder(failing: Bool) async {
        withTrace("redis.get") { span in
            span.setTag(SpanTagKey.dbType, "redis")
        }
        struct InventoryError: Error, CustomStringConvertible { var description: String { "inventory unavailable" } }
        try? await withTrace("POST /inventory/reserve") { span in
            var outgoing = HTTPHeadersCarrier()
            injectTrace(span, into: &outgoing)
            span.setTag("peer.service", "inventory")
            try await Task.sleep(for: .milliseconds(2))
            if failing { throw InventoryError() }
        }
        if let current = currentTrace {
            let event = current.follow("", "kafka.publish order-created")
            event.setLog("event", "enqueued")
            event.finish()
        }
    }
}

/// The spans the demo's agent received, from its reading thread.
final class CollectedSpans: @unchecked Sendable {
    // @unchecked: `received` is only touched under `lock`.
    private let lock = NSLock()
    private var received: [FinishedSpan] = []

    func add(_ span: FinishedSpan) { lock.withLock { received.append(span) } }
    var spans: [FinishedSpan] { lock.withLock { received } }
    var count: Int { lock.withLock { received.count } }
}

/// Renders finished spans as one indented tree per trace.
enum TraceTreePrinter {
    static func render(_ spans: [FinishedSpan]) -> String {
        var output = ""
        var traceOrder: [UInt64] = []
        var byTrace: [UInt64: [FinishedSpan]] = [:]
        for span in spans {
            if byTrace[span.context.traceID] == nil { traceOrder.append(span.context.traceID) }
            byTrace[span.context.traceID, default: []].append(span)
        }
        for traceID in traceOrder {
            let members = byTrace[traceID] ?? []
            output += "trace \(String(traceID, radix: 16)) (\(members.count) spans)\n"
            let ids = Set(members.map(\.context.spanID))
            let roots = members.filter { !ids.contains($0.context.parentID) }.sorted { $0.startTimeNanos < $1.startTimeNanos }
            for root in roots { render(root, among: members, depth: 1, into: &output) }
        }
        let errors = spans.filter { $0.tag(SpanTagKey.error) == .bool(true) }.count
        output += "\(traceOrder.count) traces, \(spans.count) spans, \(errors) with errors\n"
        return output
    }

    private static func render(_ span: FinishedSpan, among spans: [FinishedSpan], depth: Int, into output: inout String) {
        let indent = String(repeating: "  ", count: depth)
        let micros = Double(span.durationNanos) / 1000
        var line = "\(indent)\(span.serviceName) \(span.operationName) [\(span.kind ?? "-")] \(micros.formattedMicros) µs"
        if span.context.parentID != 0 && depth == 1 { line += " (remote parent \(String(span.context.parentID, radix: 16)))" }
        if span.tag(SpanTagKey.error) == .bool(true) {
            let message = span.logs.flatMap(\.fields).first { $0.key == "message" }?.value ?? ""
            line += " ERROR: \(message)"
        }
        output += line + "\n"
        let children = spans.filter { $0.context.parentID == span.context.spanID && $0.context.spanID != span.context.spanID }
            .sorted { $0.startTimeNanos < $1.startTimeNanos }
        for child in children { render(child, among: spans, depth: depth + 1, into: &output) }
    }
}

extension Double {
    fileprivate var formattedMicros: String {
        let tenths = (self * 10).rounded() / 10
        return String(tenths)
    }
}
