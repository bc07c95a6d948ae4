import Dapper
import DapperAgent
import Foundation
import Testing

/// `dapper agent --zipkin`: spans sent to the agent (as a Go service would) reach Zipkin.
@Suite(.serialized) struct AgentForwardingTests {
    static let executable: URL? = {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [directory, directory.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("dapper")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }()

    @Test func spansReceivedByTheAgentAreForwardedToZipkin() async throws {
        let server = try TestZipkinServer()
        defer { server.stop() }
        let probe = try AgentListener(dsn: AgentDSN(network: .udp, address: "127.0.0.1:0"))
        let address = probe.dsn.address
        probe.stop()

        let executable = try #require(Self.executable, "the dapper executable is not built beside the tests")
        let process = Process()
        process.executableURL = executable
        process.arguments = ["agent", "--listen", "udp://" + address, "--output", "none",
                             "--zipkin", server.endpoint + "?flush_interval=50ms"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        try await Task.sleep(for: .milliseconds(300))

        let reporter = try AgentReporter(dsn: AgentDSN(network: .udp, address: address))
        let tracer = DapperTracer(serviceName: "go-like-service", reporter: reporter, sampler: .always, defaultTags: [])
        for index in 0..<20 {
            let span = tracer.new("GET /forwarded/\(index)")
            span.finish()
        }
        _ = await reporter.flush(timeout: .seconds(2))
        let arrived = await eventually(timeout: .seconds(10)) {
            server.requests.reduce(0) { total, request in
                total + ((try? JSONSerialization.jsonObject(with: Data(request.body)) as? [Any])?.count ?? 0)
            } >= 20
        }
        #expect(arrived)
        process.interrupt()
        process.waitUntilExit()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(text.contains("forwarding to \(server.endpoint)"), "\(text)")
        #expect(text.contains("Zipkin: delivered 20 spans"), "\(text)")
        let names = server.requests.flatMap { request in
            ((try? JSONSerialization.jsonObject(with: Data(request.body)) as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }
        }
        #expect(Set(names) == Set((0..<20).map { "GET /forwarded/\($0)" }))
        _ = await reporter.close()
    }

    @Test func theAgentsStartupLineHidesTheZipkinPasswordWhichIsSentAsBasicAuthentication() async throws {
        let server = try TestZipkinServer()
        defer { server.stop() }
        let probe = try AgentListener(dsn: AgentDSN(network: .udp, address: "127.0.0.1:0"))
        let address = probe.dsn.address
        probe.stop()

        let executable = try #require(Self.executable, "the dapper executable is not built beside the tests")
        let process = Process()
        process.executableURL = executable
        process.arguments = ["agent", "--listen", "udp://" + address, "--output", "none",
                             "--zipkin", "http://admin:S3cretPW@127.0.0.1:\(server.port)/api/v2/spans?flush_interval=50ms"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        try await Task.sleep(for: .milliseconds(300))

        let reporter = try AgentReporter(dsn: AgentDSN(network: .udp, address: address))
        DapperTracer(serviceName: "go-like-service", reporter: reporter, sampler: .always, defaultTags: []).new("GET /secret").finish()
        _ = await reporter.flush(timeout: .seconds(2))
        #expect(await eventually(timeout: .seconds(10)) { !server.requests.isEmpty })
        process.interrupt()
        process.waitUntilExit()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(text.contains("forwarding to http://***@127.0.0.1:\(server.port)/api/v2/spans"), "\(text)")
        #expect(!text.contains("S3cretPW"), "\(text)")
        #expect(server.requests.allSatisfy { $0.header("Authorization") == "Basic YWRtaW46UzNjcmV0UFc=" })
        #expect(server.requests.allSatisfy { $0.uri == "/api/v2/spans" })
        _ = await reporter.close()
    }
}
