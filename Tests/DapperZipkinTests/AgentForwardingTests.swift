import Dapper
import DapperAgent
import DapperCollector
import DapperAgentTestSupport  // eventually
import DapperHTTPTestSupport
import Foundation
import Testing

/// `dapper agent --zipkin` and `--otlp`: spans sent to the agent (as a Go service would) reach
/// Zipkin and an OTLP receiver.
@Suite(.serialized) struct AgentForwardingTests {
    static let executable: URL? = {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [directory, directory.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("dapper")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }()

    /// Runs `dapper agent arguments…` for `body`, and ends it on every path, throwing
    /// included. Standard output goes to `output` (a pipe nobody reads stalls the agent's
    /// writes); standard error is returned with the body's result once the agent is gone.
    private func withAgent<Result>(
        _ arguments: [String], output: Any = FileHandle.nullDevice, _ body: (Process) async throws -> Result
    ) async throws -> (Result, errors: String) {
        let executable = try #require(Self.executable, "the dapper executable is not built beside the tests")
        let process = Process()
        process.executableURL = executable
        process.arguments = ["agent"] + arguments
        var environment = ProcessInfo.processInfo.environment
        // Should this test process die, the agent goes too.
        environment["DAPPER_EXIT_WITH_PARENT"] = "1"
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = output
        try process.run()
        let result: Result
        do {
            defer { end(process) }
            result = try await body(process)
        }
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (result, text)
    }

    /// SIGTERM, up to 1 s, then SIGKILL; reaps the process. Brief, since it blocks a thread
    /// of Swift's small cooperative pool: the tests stop the agent themselves with
    /// ``stopped(_:)``, and this then finds it gone.
    private func end(_ process: Process) {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(1)
            while process.isRunning, Date() < deadline { usleep(5_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
    }

    /// SIGINT, as Ctrl-C, then waits for the exit without blocking a thread; returns whether
    /// it came within 30 s (a liveness bound, not a measurement).
    private func stopped(_ process: Process) async -> Bool {
        process.interrupt()
        return await eventually(timeout: .seconds(30)) { !process.isRunning }
    }

    private func forwardedCount(_ server: TestHTTPServer) -> Int {
        server.requests.reduce(0) { total, request in
            total + ((try? JSONSerialization.jsonObject(with: Data(request.body)) as? [Any])?.count ?? 0)
        }
    }

    private func freeUDPAddress() throws -> String {
        let probe = try AgentListener(dsn: AgentDSN(network: .udp, address: "127.0.0.1:0"))
        defer { probe.stop() }
        return probe.dsn.address
    }

    @Test func spansReceivedByTheAgentAreForwardedToZipkin() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let address = try freeUDPAddress()
        let (_, text) = try await withAgent(
            ["--listen", "udp://" + address, "--output", "none", "--zipkin", server.endpoint + "?flush_interval=50ms"]
        ) { process in
            try await Task.sleep(for: .milliseconds(300))
            let reporter = try AgentReporter(dsn: AgentDSN(network: .udp, address: address))
            let tracer = DapperTracer(serviceName: "go-like-service", reporter: reporter, sampler: .always, defaultTags: [])
            for index in 0..<20 {
                let span = tracer.new("GET /forwarded/\(index)")
                span.finish()
            }
            _ = await reporter.flush(timeout: .seconds(2))
            #expect(await eventually(timeout: .seconds(10)) { forwardedCount(server) >= 20 })
            _ = await reporter.close()
            #expect(await stopped(process), "the agent did not stop")
        }
        #expect(text.contains("forwarding to \(server.endpoint)"), "\(text)")
        #expect(text.contains("Zipkin: delivered 20 spans"), "\(text)")
        #expect(text.contains("not forwarded 0"), "\(text)")
        let names = server.requests.flatMap { request in
            ((try? JSONSerialization.jsonObject(with: Data(request.body)) as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }
        }
        #expect(Set(names) == Set((0..<20).map { "GET /forwarded/\($0)" }))
    }

    @Test func aStalledStandardOutputKeepsNoSpanFromZipkin() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("dapper-forward-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("agent.sock").path
        let stalled = Pipe()  // never read: once 64 KiB are in it, the agent's writes block
        let count = 2000
        let (status, text) = try await withAgent(
            ["--listen", "unixgram://" + path, "--output", "text", "--zipkin", server.endpoint + "?flush_interval=50ms"],
            output: stalled
        ) { process in
            #expect(await eventually(timeout: .seconds(20)) { FileManager.default.fileExists(atPath: path) })
            let reporter = try AgentReporter(dsn: AgentDSN(network: .unixgram, address: path))
            let tracer = DapperTracer(serviceName: "stalled", reporter: reporter, sampler: .always, defaultTags: [])
            let name = String(repeating: "n", count: 200)
            for index in 0..<count {
                tracer.new("\(name)-\(index)").finish()
            }
            #expect((await reporter.flush(timeout: .seconds(10))).isComplete)
            #expect(await eventually(timeout: .seconds(20)) { forwardedCount(server) >= count })
            _ = await reporter.close()
            process.interrupt()
            // A liveness bound: the agent must stop although its standard output is stalled.
            #expect(await eventually(timeout: .seconds(20)) { !process.isRunning }, "the agent did not stop")
            return process.isRunning ? nil : process.terminationStatus
        }
        withExtendedLifetime(stalled) {}
        #expect(status == 0)
        #expect(text.contains("received \(count) spans"), "\(text)")
        #expect(text.contains("Zipkin: delivered \(count) spans"), "\(text)")
        #expect(text.contains("not forwarded 0"), "\(text)")
        #expect(text.contains("not printed"), "\(text)")
    }

    @Test func theAgentsStartupLineHidesTheZipkinPasswordWhichIsSentAsBasicAuthentication() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let address = try freeUDPAddress()
        let zipkin = "http://admin:S3cretPW@127.0.0.1:\(server.port)/api/v2/spans?flush_interval=50ms"
        let (_, text) = try await withAgent(["--listen", "udp://" + address, "--output", "none", "--zipkin", zipkin]) { process in
            try await Task.sleep(for: .milliseconds(300))
            let reporter = try AgentReporter(dsn: AgentDSN(network: .udp, address: address))
            DapperTracer(serviceName: "go-like-service", reporter: reporter, sampler: .always, defaultTags: [])
                .new("GET /secret").finish()
            _ = await reporter.flush(timeout: .seconds(2))
            #expect(await eventually(timeout: .seconds(10)) { !server.requests.isEmpty })
            _ = await reporter.close()
            #expect(await stopped(process), "the agent did not stop")
        }
        #expect(text.contains("forwarding to http://***@127.0.0.1:\(server.port)/api/v2/spans"), "\(text)")
        #expect(!text.contains("S3cretPW"), "\(text)")
        #expect(server.requests.allSatisfy { $0.header("Authorization") == "Basic YWRtaW46UzNjcmV0UFc=" })
        #expect(server.requests.allSatisfy { $0.uri == "/api/v2/spans" })
    }

    @Test func spansReceivedByTheAgentAreForwardedToAnOTLPReceiverOverHTTP() async throws {
        let server = try TestHTTPServer { _ in TestHTTPServer.Answer(status: .ok) }
        defer { server.stop() }
        let address = try freeUDPAddress()
        // No path: OTLP/HTTP's /v1/traces is added.
        let (_, text) = try await withAgent(
            ["--listen", "udp://" + address, "--output", "none", "--otlp", "http://127.0.0.1:\(server.port)"]
        ) { process in
            try await Task.sleep(for: .milliseconds(300))
            let reporter = try AgentReporter(dsn: AgentDSN(network: .udp, address: address))
            let tracer = DapperTracer(serviceName: "kratos-v1-service", reporter: reporter, sampler: .always, defaultTags: [])
            for index in 0..<20 {
                tracer.new("GET /otlp/\(index)").finish()
            }
            _ = await reporter.flush(timeout: .seconds(2))
            #expect(await eventually(timeout: .seconds(10)) { otlpSpans(server).count >= 20 })
            _ = await reporter.close()
            #expect(await stopped(process), "the agent did not stop")
        }
        #expect(text.contains("forwarding to http://127.0.0.1:\(server.port)/v1/traces (OTLP, http/protobuf)"), "\(text)")
        #expect(text.contains("OTLP: delivered 20 spans"), "\(text)")
        #expect(text.contains("not forwarded 0"), "\(text)")
        #expect(server.requests.allSatisfy { $0.uri == "/v1/traces" && $0.header("Content-Type") == "application/x-protobuf" })
        let spans = otlpSpans(server)
        #expect(Set(spans.map(\.name)) == Set((0..<20).map { "GET /otlp/\($0)" }))
        #expect(spans.allSatisfy { $0.serviceName == "kratos-v1-service" })
    }

    @Test func aMalformedOTLPSettingStopsTheAgentWithTheVariableNamed() async throws {
        let address = try freeUDPAddress()
        let executable = try #require(Self.executable, "the dapper executable is not built beside the tests")
        let process = Process()
        process.executableURL = executable
        process.arguments = ["agent", "--listen", "udp://" + address, "--otlp", "http://127.0.0.1:4318"]
        process.environment = ["OTEL_EXPORTER_OTLP_TIMEOUT": "soon", "DAPPER_EXIT_WITH_PARENT": "1"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { end(process) }
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(text.contains("OTEL_EXPORTER_OTLP_TIMEOUT"), "\(text)")
    }

    private func otlpSpans(_ server: TestHTTPServer) -> [ReceivedOTLPSpan] {
        server.requests.flatMap { ReceivedOTLPSpans.decode($0.body) ?? [] }
    }
}
