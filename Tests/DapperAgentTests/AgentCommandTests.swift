import Dapper
import DapperAgent
import DapperWire
import Foundation
import Testing

/// `dapper agent` end to end: the built executable, a real socket, spans from a tracer.
@Suite(.serialized) struct AgentCommandTests {
    /// The `dapper` executable built beside this test bundle.
    static let executable: URL? = {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [directory, directory.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("dapper")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }()

    /// Runs `dapper agent` with `arguments` and collects its output lines.
    final class RunningAgent: @unchecked Sendable {
        // @unchecked: `lines` and `errors` are guarded by `lock`.
        let process = Process()
        private let lock = NSLock()
        private var lines: [String] = []
        private var errors = ""
        private var partial = ""

        init(_ arguments: [String]) throws {
            let executable = try #require(AgentCommandTests.executable, "the dapper executable is not built beside the tests")
            process.executableURL = executable
            process.arguments = ["agent"] + arguments
            let output = Pipe()
            let error = Pipe()
            process.standardOutput = output
            process.standardError = error
            output.fileHandleForReading.readabilityHandler = { [self] handle in
                let text = String(decoding: handle.availableData, as: UTF8.self)
                lock.withLock {
                    partial += text
                    while let newline = partial.firstIndex(of: "\n") {
                        lines.append(String(partial[..<newline]))
                        partial = String(partial[partial.index(after: newline)...])
                    }
                }
            }
            error.fileHandleForReading.readabilityHandler = { [self] handle in
                let text = String(decoding: handle.availableData, as: UTF8.self)
                lock.withLock { errors += text }
            }
            try process.run()
        }

        var output: [String] { lock.withLock { lines } }
        var standardError: String { lock.withLock { errors } }

        func stop() {
            if process.isRunning { process.interrupt() }
            process.waitUntilExit()
        }
    }

    private func listening(_ agent: RunningAgent) async -> Bool {
        await eventually { agent.standardError.contains("listening on") }
    }

    @Test func spansFromATracerComeOutAsZipkinJSONLines() async throws {
        let path = temporaryDirectory() + "/agent.sock"
        let agent = try RunningAgent(["--listen", "unixgram://" + path, "--output", "zipkin-json"])
        defer { agent.stop() }
        #expect(await listening(agent), "\(agent.standardError)")

        let reporter = try AgentReporter(dsn: try AgentDSN(parsing: "unixgram://" + path))
        let memory = MemoryTee(reporter)
        let tracer = DapperTracer(serviceName: "cli-test", reporter: memory, sampler: .always, defaultTags: [])
        for index in 0..<20 {
            let root = tracer.new("GET /orders/\(index)")
            root.setTag("http.status_code", 200 + index)
            let child = root.fork("", "SELECT orders")
            child.setLog("event", "query")
            child.finish()
            root.finish()
        }
        #expect((await reporter.flush(timeout: .seconds(5))).isComplete)
        let expected = Dictionary(memory.spans.map { (hex16($0.context.spanID), $0) }, uniquingKeysWith: { first, _ in first })
        #expect(await eventually { agent.output.count == 40 }, "\(agent.output.count) lines")

        // Each line is the Zipkin object the encoder makes of the span, as JSON values.
        for line in agent.output {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? NSDictionary, "\(line)")
            let id = try #require(object["id"] as? String)
            let span = try #require(expected[id], "unknown span \(id)")
            let wanted = try JSONSerialization.jsonObject(with: Data(ZipkinJSONEncoder().encode(span).utf8)) as? NSDictionary
            #expect(object == wanted)
            #expect((object["localEndpoint"] as? NSDictionary)?["serviceName"] as? String == "cli-test")
        }
        agent.stop()
        #expect(agent.process.terminationStatus == 0)
        #expect(agent.standardError.contains("SIGINT: received 40 spans, skipped 0 packets"), "\(agent.standardError)")
        #expect(access(path, F_OK) != 0, "the socket file is removed on exit")
    }

    @Test func badPacketsAreSkippedCountedAndSummarised() async throws {
        let probe = try AgentListener(dsn: AgentDSN(network: .udp, address: "127.0.0.1:0"))
        let address = probe.dsn.address
        probe.stop()
        let agent = try RunningAgent(["--listen", "udp://" + address, "--output", "text"])
        defer { agent.stop() }
        #expect(await listening(agent), "\(agent.standardError)")
        let sender = try UDPSender(address)
        sender.send([0xff, 0xff])
        sender.send(try SpanEncoder().encode(sampleSpan(7)))
        #expect(await eventually { agent.output.count == 1 })
        #expect(agent.output.first?.contains("agent-test op-7") == true, "\(agent.output)")
        agent.process.terminate()
        agent.process.waitUntilExit()
        #expect(agent.standardError.contains("SIGTERM: received 1 spans, skipped 1 packets (malformed: 1)"), "\(agent.standardError)")
    }

    @Test func aMalformedDSNIsAnErrorNamingTheProblem() async throws {
        let agent = try RunningAgent(["--listen", "carrier-pigeon://coop"])
        agent.process.waitUntilExit()
        #expect(agent.process.terminationStatus != 0)
        #expect(await eventually { agent.standardError.contains("unknown network \"carrier-pigeon\"") }, "\(agent.standardError)")
    }
}

/// Forwards to a reporter and keeps a copy of every span.
final class MemoryTee: Reporter, @unchecked Sendable {
    // @unchecked: `kept` is guarded by `lock`.
    private let next: any Reporter
    private let lock = NSLock()
    private var kept: [FinishedSpan] = []
    init(_ next: any Reporter) { self.next = next }
    func report(_ span: FinishedSpan) {
        lock.withLock { kept.append(span) }
        next.report(span)
    }
    func flush(timeout: Duration) async -> FlushResult { await next.flush(timeout: timeout) }
    func close(timeout: Duration) async -> FlushResult { await next.close(timeout: timeout) }
    var statistics: ReporterStatistics { next.statistics }
    var spans: [FinishedSpan] { lock.withLock { kept } }
}

func hex16(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}
