import Dapper
import DapperAgent
import DapperCollector
import DapperAgentTestSupport  // eventually, RunningAgent
import DapperHTTPTestSupport
import Foundation
import Testing

/// `dapper agent --zipkin` and `--otlp`: spans sent to the agent (as a Go service would) reach
/// Zipkin and an OTLP receiver.
@Suite(.serialized) struct AgentForwardingTests {
    /// Sends to the agent once it listens: a datagram sent before would be lost, and a
    /// loaded machine takes seconds to start an executable built with the thread sanitizer.
    private func started(_ agent: RunningAgent) async throws {
        guard await agent.listening() else {
            throw TestSetupError(description: "the agent did not start: \(agent.standardError)")
        }
    }

    /// SIGINT, as Ctrl-C; whether the agent exited within 20 s (a liveness bound). Its
    /// closing lines are then in `standardError`.
    private func stopped(_ agent: RunningAgent) async -> Bool {
        await agent.interrupt()
        return !agent.process.isRunning
    }

    private func forwardedCount(_ server: TestHTTPServer) -> Int {
        server.requests.reduce(0) { total, request in
            total + ((try? JSONSerialization.jsonObject(with: Data(request.body)) as? [Any])?.count ?? 0)
        }
    }

    @Test func spansReceivedByTheAgentAreForwardedToZipkin() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let address = try freeLoopbackAddress()
        let text = try await withRunningAgent(
            ["--listen", "udp://" + address, "--output", "none", "--zipkin", server.endpoint + "?flush_interval=50ms"]
        ) { agent in
            try await started(agent)
            let reporter = try AgentReporter(dsn: AgentDSN(network: .udp, address: address))
            let tracer = DapperTracer(serviceName: "go-like-service", reporter: reporter, sampler: .always, defaultTags: [])
            for index in 0..<20 {
                let span = tracer.new("GET /forwarded/\(index)")
                span.finish()
            }
            _ = await reporter.flush(timeout: .seconds(2))
            #expect(await eventually(timeout: .seconds(10)) { forwardedCount(server) >= 20 })
            _ = await reporter.close()
            #expect(await stopped(agent), "the agent did not stop")
            return agent.standardError
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
        let count = 2000
        // Standard output never read: once 64 KiB are in the pipe, the agent's writes block.
        let (status, text) = try await withRunningAgent(
            ["--listen", "unixgram://" + path, "--output", "text", "--zipkin", server.endpoint + "?flush_interval=50ms"],
            standardOutput: .stalled
        ) { agent in
            try await started(agent)
            let reporter = try AgentReporter(dsn: AgentDSN(network: .unixgram, address: path))
            let tracer = DapperTracer(serviceName: "stalled", reporter: reporter, sampler: .always, defaultTags: [])
            let name = String(repeating: "n", count: 200)
            for index in 0..<count {
                tracer.new("\(name)-\(index)").finish()
            }
            #expect((await reporter.flush(timeout: .seconds(10))).isComplete)
            #expect(await eventually(timeout: .seconds(20)) { forwardedCount(server) >= count })
            _ = await reporter.close()
            // A liveness bound: the agent must stop although its standard output is stalled.
            let stopped = await stopped(agent)
            #expect(stopped, "the agent did not stop")
            return (stopped ? agent.process.terminationStatus : nil, agent.standardError)
        }
        #expect(status == 0)
        #expect(text.contains("received \(count) spans"), "\(text)")
        #expect(text.contains("Zipkin: delivered \(count) spans"), "\(text)")
        #expect(text.contains("not forwarded 0"), "\(text)")
        #expect(text.contains("not printed"), "\(text)")
    }

    @Test func theAgentsStartupLineHidesTheZipkinPasswordWhichIsSentAsBasicAuthentication() async throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        let address = try freeLoopbackAddress()
        let zipkin = "http://admin:S3cretPW@127.0.0.1:\(server.port)/api/v2/spans?flush_interval=50ms"
        let text = try await withRunningAgent(["--listen", "udp://" + address, "--output", "none", "--zipkin", zipkin]) { agent in
            try await started(agent)
            let reporter = try AgentReporter(dsn: AgentDSN(network: .udp, address: address))
            DapperTracer(serviceName: "go-like-service", reporter: reporter, sampler: .always, defaultTags: [])
                .new("GET /secret").finish()
            _ = await reporter.flush(timeout: .seconds(2))
            #expect(await eventually(timeout: .seconds(10)) { !server.requests.isEmpty })
            _ = await reporter.close()
            #expect(await stopped(agent), "the agent did not stop")
            return agent.standardError
        }
        #expect(text.contains("forwarding to http://***@127.0.0.1:\(server.port)/api/v2/spans"), "\(text)")
        #expect(!text.contains("S3cretPW"), "\(text)")
        #expect(server.requests.allSatisfy { $0.header("Authorization") == "Basic YWRtaW46UzNjcmV0UFc=" })
        #expect(server.requests.allSatisfy { $0.uri == "/api/v2/spans" })
    }

    @Test func spansReceivedByTheAgentAreForwardedToAnOTLPReceiverOverHTTP() async throws {
        let server = try TestHTTPServer { _ in TestHTTPServer.Answer(status: .ok) }
        defer { server.stop() }
        let address = try freeLoopbackAddress()
        // No path: OTLP/HTTP's /v1/traces is added.
        let text = try await withRunningAgent(
            ["--listen", "udp://" + address, "--output", "none", "--otlp", "http://127.0.0.1:\(server.port)"]
        ) { agent in
            try await started(agent)
            let reporter = try AgentReporter(dsn: AgentDSN(network: .udp, address: address))
            let tracer = DapperTracer(serviceName: "kratos-v1-service", reporter: reporter, sampler: .always, defaultTags: [])
            for index in 0..<20 {
                tracer.new("GET /otlp/\(index)").finish()
            }
            _ = await reporter.flush(timeout: .seconds(2))
            #expect(await eventually(timeout: .seconds(10)) { otlpSpans(server).count >= 20 })
            _ = await reporter.close()
            #expect(await stopped(agent), "the agent did not stop")
            return agent.standardError
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
        let address = try freeLoopbackAddress()
        try await withRunningAgent(
            ["--listen", "udp://" + address, "--otlp", "http://127.0.0.1:4318"], environment: ["OTEL_EXPORTER_OTLP_TIMEOUT": "soon"]
        ) { agent in
            #expect(await agent.waitForExit(), "the agent did not stop")
            await agent.interrupt()  // finds it gone; waits for the rest of standard error
            #expect(agent.process.terminationStatus != 0)
            #expect(agent.standardError.contains("OTEL_EXPORTER_OTLP_TIMEOUT"), "\(agent.standardError)")
        }
    }

    private func otlpSpans(_ server: TestHTTPServer) -> [ReceivedOTLPSpan] {
        server.requests.flatMap { ReceivedOTLPSpans.decode($0.body) ?? [] }
    }
}
