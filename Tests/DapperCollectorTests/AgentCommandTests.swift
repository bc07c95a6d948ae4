import Dapper
import DapperAgent
import DapperAgentTestSupport
import DapperWire
import DapperZipkinWire
import Foundation
import Testing

/// `dapper agent` end to end: the built executable, a real socket, spans from a tracer.
@Suite(.serialized) struct AgentCommandTests {
    @Test func spansFromATracerComeOutAsZipkinJSONLines() async throws {
        let path = temporaryDirectory() + "/agent.sock"
        try await withRunningAgent(["--listen", "unixgram://" + path, "--output", "zipkin-json"]) { agent in
            #expect(await agent.listening(), "\(agent.standardError)")

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
            await agent.interrupt()
            #expect(agent.process.terminationStatus == 0)
            #expect(agent.standardError.contains("SIGINT: received 40 spans, skipped 0 packets"), "\(agent.standardError)")
            #expect(agent.standardError.contains("printed 40 lines, not printed 0"), "\(agent.standardError)")
            #expect(access(path, F_OK) != 0, "the socket file is removed on exit")
            _ = await reporter.close()
        }
    }

    @Test func badPacketsAreSkippedCountedAndSummarised() async throws {
        let address = try freeLoopbackAddress()
        try await withRunningAgent(["--listen", "udp://" + address, "--output", "text"]) { agent in
            #expect(await agent.listening(), "\(agent.standardError)")
            let sender = try UDPSender(address)
            sender.send([0xff, 0xff])
            sender.send(try SpanEncoder().encode(sampleSpan(7)))
            #expect(await eventually { agent.output.count == 1 })
            #expect(agent.output.first?.contains("agent-test op-7") == true, "\(agent.output)")
            agent.process.terminate()
            #expect(await agent.waitForExit())
            #expect(await eventually { agent.standardError.contains("SIGTERM: received 1 spans, skipped 1 packets (malformed: 1)") },
                    "\(agent.standardError)")
        }
    }

    @Test func aMalformedDSNIsAnErrorNamingTheProblem() async throws {
        try await withRunningAgent(["--listen", "carrier-pigeon://coop"]) { agent in
            #expect(await agent.waitForExit())
            #expect(agent.process.terminationStatus != 0)
            #expect(await eventually { agent.standardError.contains("unknown network \"carrier-pigeon\"") }, "\(agent.standardError)")
        }
    }

    @Test func aSocketModeBeyond0777IsAnErrorNamingTheFlagAndTheRange() async throws {
        let path = temporaryDirectory() + "/sticky.sock"
        try await withRunningAgent(["--listen", "unixgram://" + path, "--socket-mode", "7777"]) { agent in
            #expect(await agent.waitForExit())
            #expect(agent.process.terminationStatus != 0)
            #expect(await eventually { agent.standardError.contains("--socket-mode must be an octal mode from 0 to 0777") },
                    "\(agent.standardError)")
            #expect(access(path, F_OK) != 0)
        }
    }

    @Test func aWorldWritableSocketModeIsWarnedAbout() async throws {
        let path = temporaryDirectory() + "/open.sock"
        try await withRunningAgent(["--listen", "unixgram://" + path, "--socket-mode", "0666"]) { agent in
            #expect(await agent.listening(), "\(agent.standardError)")
            #expect(await eventually { agent.standardError.contains("world-writable") }, "\(agent.standardError)")
        }
    }

    @Test func underAPermissiveUmaskTheSocketFileIsNeverWiderThanItsMode() async throws {
        let directory = temporaryDirectory()
        let watch = try DirectoryWatch(directory)
        try await withRunningAgent(["--listen", "unixgram://\(directory)/umask.sock", "--output", "none"], prelude: "umask 000") { agent in
            #expect(await agent.listening(), "\(agent.standardError)")
            var info = stat()
            #expect(lstat(directory + "/umask.sock", &info) == 0)
            #expect(info.st_mode & 0o7777 == 0o660)
            let events = watch.events().filter { $0.name == "umask.sock" }
            #expect(!events.isEmpty)
            #expect(!events.contains { $0.mask & (UInt32(IN_ATTRIB) | UInt32(IN_CREATE)) != 0 },
                    "the file appeared by rename with its mode, never changed in place: \(events)")
        }
    }

    @Test func holdingManyConnectionsOpenStartsNoThreads() async throws {
        let address = try freeLoopbackAddress(tcp: true)
        try await withRunningAgent(["--listen", "tcp://" + address, "--output", "text"]) { agent in
            #expect(await agent.listening(), "\(agent.standardError)")
            let before = try #require(threadCount(agent.pid))
            var held: [HeldConnection] = []
            for _ in 0..<100 { held.append(try HeldConnection(address)) }
            // Connections are accepted in order: once the last one's span is out, all are in.
            let span = try SpanEncoder().encode(sampleSpan(1))
            try held[99].send(varint(span.count) + span)
            #expect(await eventually(timeout: .seconds(20)) { agent.output.count == 1 })
            let after = try #require(threadCount(agent.pid))
            // A little slack for threads the runtime starts on its own.
            #expect(after <= before + 4, "threads before: \(before), with 100 connections: \(after)")
            await agent.interrupt()
            #expect(agent.standardError.contains("100 TCP connections"), "\(agent.standardError)")
        }
    }

    @Test func outOfDescriptorsTheAgentPausesAcceptingAndCountsTheErrors() async throws {
        let address = try freeLoopbackAddress(tcp: true)
        try await withRunningAgent(["--listen", "tcp://" + address, "--output", "none"], prelude: "ulimit -n 40") { agent in
            #expect(await agent.listening(), "\(agent.standardError)")
            // More than the agent has descriptors for; the rest wait in the kernel's backlog.
            var held: [HeldConnection] = []
            for _ in 0..<60 { held.append(try HeldConnection(address)) }
            let started = ContinuousClock.now
            try await Task.sleep(for: .seconds(1))
            agent.process.terminate()
            #expect(await agent.waitForExit())
            let elapsed = ContinuousClock.now - started
            #expect(agent.process.terminationReason == .exit && agent.process.terminationStatus == 0)
            #expect(await eventually { agent.standardError.contains("received 0 spans") }, "\(agent.standardError)")
            let errors = try #require(acceptErrors(in: agent.standardError), "\(agent.standardError)")
            // Without the pause, accept fails again at once, millions of times a second; with
            // it, once per 100 ms pause at most.
            let bound = Int(elapsed / .milliseconds(100)) + 5
            #expect(errors >= 1 && errors <= bound, "\(errors) accept errors in \(elapsed)")
        }
    }

    @Test func anAgentStartedByAFailingTestDoesNotOutliveIt() async throws {
        struct DeliberateFailure: Error {}
        var pid: Int32 = 0
        do {
            try await withRunningAgent(["--listen", "udp://" + (try freeLoopbackAddress()), "--output", "none"]) { agent in
                pid = agent.pid
                _ = await agent.listening()
                throw DeliberateFailure()
            }
            Issue.record("the body's error did not come out of withRunningAgent")
        } catch is DeliberateFailure {}
        #expect(pid > 0)
        #expect(kill(pid, 0) == -1 && errno == ESRCH, "the agent \(pid) is still there")
    }

    @Test func anAgentAskedToExitWithItsParentStopsWhenTheParentDies() async throws {
        let executable = try #require(RunningAgent.executable)
        let address = try freeLoopbackAddress()
        let log = temporaryDirectory() + "/agent.err"
        // A shell starts the agent in the background and waits; the shell is the parent.
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", "\"$0\" agent --listen udp://\(address) --output none 2>\"$1\" & echo $!; wait", executable.path, log]
        var environment = ProcessInfo.processInfo.environment
        environment["DAPPER_EXIT_WITH_PARENT"] = "1"
        shell.environment = environment
        let output = Pipe()
        shell.standardOutput = output
        try shell.run()
        // Foundation reaps the shell only once every holder of its status socket is gone, the
        // agent included: wait for it last, after the agent is surely gone.
        defer {
            if shell.isRunning { kill(shell.processIdentifier, SIGKILL) }
            shell.waitUntilExit()
        }
        let line = String(decoding: output.fileHandleForReading.availableData, as: UTF8.self)
        let pid = try #require(Int32(line.trimmingCharacters(in: .whitespacesAndNewlines)), "\(line)")
        defer { if isAgent(pid) { kill(pid, SIGKILL) } }
        // Only once it listens has the agent noted who its parent is.
        let listening = await eventually(timeout: .seconds(20)) {
            (try? String(contentsOfFile: log, encoding: .utf8))?.contains("listening on") == true
        }
        #expect(listening)
        kill(shell.processIdentifier, SIGKILL)
        #expect(await eventually(timeout: .seconds(20)) { !isAgent(pid) }, "the agent \(pid) outlived its parent")
        #expect(await eventually { (try? String(contentsOfFile: log, encoding: .utf8))?.contains("parent exited: received 0 spans") == true },
                "\((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
    }
}

/// The number the summary gives as `N accept errors`.
func acceptErrors(in text: String) -> Int? {
    guard let range = text.range(of: " accept errors") else { return nil }
    let before = text[..<range.lowerBound]
    return Int(String(before.reversed().prefix { $0.isNumber }.reversed()))
}

/// Threads of process `pid`, from /proc.
func threadCount(_ pid: Int32) -> Int? {
    guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
    return status.split(separator: "\n").first { $0.hasPrefix("Threads:") }.flatMap { Int($0.dropFirst(8).trimmingCharacters(in: .whitespaces)) }
}

/// Whether `pid` is a live (not zombie) `dapper` process.
func isAgent(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    guard let close = stat.lastIndex(of: ")") else { return false }
    let name = stat[..<close]
    let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
    return name.hasSuffix("(dapper") && state != "Z" && state != "X"
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
