import Dapper
import DapperAgent
import DapperAgentTestSupport
import DapperWire
import Foundation
import Testing

/// What `dapper agent` writes, when peers send hostile text and when its readers misbehave.
@Suite(.serialized) struct AgentOutputTests {
    private func span(named name: String, tag: String = "v", field: String = "f") -> FinishedSpan {
        FinishedSpan(
            serviceName: "svc\u{1b}]0;title\u{7}",
            operationName: name,
            context: SpanContext(traceID: 1, spanID: 2, flags: .sampled, probability: 1),
            startTimeNanos: 1_700_000_000_000_000_000,
            durationNanos: 1_000,
            tags: [SpanTag(key: "k\ney", value: .string(tag))],
            logs: [SpanLog(timestampNanos: 1_700_000_000_000_000_500, fields: [SpanLogField(key: "event", value: field)])])
    }

    @Test func controlCharactersFromPeersAreEscapedSoThatASpanIsOneLine() async throws {
        let address = try freeLoopbackAddress()
        try await withRunningAgent(["--listen", "udp://" + address, "--output", "text"]) { agent in
            #expect(await agent.listening(), "\(agent.standardError)")
            let sender = try UDPSender(address)
            sender.send(try SpanEncoder().encode(span(
                named: "evil\n2023-01-01T00:00:00.000000Z forged line\u{1b}[2J\\",
                tag: "a\rb\u{9b}31m", field: "x\u{2028}y\u{2029}z\u{7f}")))
            sender.send(try SpanEncoder().encode(sampleSpan(1)))
            #expect(await eventually { agent.output.count >= 2 })
            try await Task.sleep(for: .milliseconds(200))
            #expect(agent.output.count == 2, "\(agent.output)")
            let line = try #require(agent.output.first)
            #expect(line.contains(#"svc\u{1b}]0;title\u{7} evil\n2023-01-01T00:00:00.000000Z forged line\u{1b}[2J\\"#), "\(line)")
            #expect(line.contains(#"k\ney=a\rb\u{9b}31m"#), "\(line)")
            #expect(line.contains(#"event=x\u{2028}y\u{2029}z\u{7f}"#), "\(line)")
            #expect(!line.unicodeScalars.contains { $0.value < 0x20 || (0x7f...0x9f).contains($0.value) })
        }
    }

    @Test func zipkinJSONLinesCarryNoRawControlCharacters() async throws {
        let address = try freeLoopbackAddress()
        let name = "a\u{7f}b\u{9b}c\u{2028}d\ne\u{1b}f"
        try await withRunningAgent(["--listen", "udp://" + address, "--output", "zipkin-json"]) { agent in
            #expect(await agent.listening(), "\(agent.standardError)")
            try UDPSender(address).send(try SpanEncoder().encode(span(named: name)))
            #expect(await eventually { agent.output.count == 1 })
            let line = try #require(agent.output.first)
            #expect(!line.unicodeScalars.contains { $0.value < 0x20 || (0x7f...0x9f).contains($0.value) || $0 == "\u{2028}" })
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["name"] as? String == name, "the escapes decode to the same name")
        }
    }

    @Test func messagesAboutBadPacketsAreRateLimitedAndAllCountedInTheSummary() async throws {
        let path = temporaryDirectory() + "/flood.sock"
        try await withRunningAgent(["--listen", "unixgram://" + path, "--output", "text"]) { agent in
            #expect(await agent.listening(), "\(agent.standardError)")
            let sender = try UnixDatagramSender(path)
            for _ in 0..<1000 { try sender.send([0xff, 0xff]) }
            try sender.send(try SpanEncoder().encode(sampleSpan(1)))
            #expect(await eventually(timeout: .seconds(20)) { agent.output.count == 1 })
            // Once the flood's second is over, the agent says what it held back, unasked.
            #expect(await eventually(timeout: .seconds(10)) { agent.standardError.contains("suppressed") }, "\(agent.standardError)")
            await agent.interrupt()
            let text = agent.standardError
            #expect(text.contains("skipped 1000 packets (malformed: 1000)"), "\(text)")
            let printed = text.split(separator: "\n").filter { $0.contains("skipped a packet (malformed)") }.count
            let suppressed = text.split(separator: "\n").compactMap { number(after: "suppressed ", in: String($0)) }.reduce(0, +)
            #expect(printed + suppressed == 1000, "\(printed) printed, \(suppressed) suppressed")
            #expect(suppressed > 0)
        }
    }

    @Test func aClosedStandardOutputNeitherKillsTheAgentNorLosesTheCount() async throws {
        let path = temporaryDirectory() + "/closed.sock"
        try await withRunningAgent(["--listen", "unixgram://" + path, "--output", "text"], standardOutput: .closed) { agent in
            #expect(await agent.listening(), "\(agent.standardError)")
            let sender = try UnixDatagramSender(path)
            for index in 0..<5 { try sender.send(try SpanEncoder().encode(sampleSpan(index))) }
            agent.process.interrupt()
            #expect(await agent.waitForExit(), "the agent did not stop")
            #expect(agent.process.terminationReason == .exit, "killed by a signal (SIGPIPE?)")
            #expect(agent.process.terminationStatus == 0)
            #expect(await eventually { agent.standardError.contains("not printed") }, "\(agent.standardError)")
            let text = agent.standardError
            #expect(text.contains("received 5 spans"), "\(text)")
            let printed = try #require(number(after: "printed ", in: text))
            let notPrinted = try #require(number(after: "not printed ", in: text))
            #expect(printed + notPrinted == 5, "\(text)")
        }
    }

    @Test func aStalledStandardOutputHoldsUpNeitherIntakeNorShutdown() async throws {
        let path = temporaryDirectory() + "/stalled.sock"
        let count = 3000
        try await withRunningAgent(["--listen", "unixgram://" + path, "--output", "text"], standardOutput: .stalled) { agent in
            #expect(await agent.listening(), "\(agent.standardError)")
            let sender = try UnixDatagramSender(path)
            let name = String(repeating: "n", count: 200)
            // Far more than a pipe holds (64 KiB): the agent's writes block on it.
            for index in 0..<count { try sender.send(try SpanEncoder().encode(span(named: "\(name)-\(index)"))) }
            agent.process.interrupt()
            #expect(await agent.waitForExit(), "the agent did not stop with its standard output stalled")
            #expect(agent.process.terminationReason == .exit)
            #expect(agent.process.terminationStatus == 0)
            #expect(await eventually { agent.standardError.contains("not printed") }, "\(agent.standardError)")
            let text = agent.standardError
            #expect(text.contains("received \(count) spans"), "\(text)")
            let printed = try #require(number(after: "printed ", in: text))
            let notPrinted = try #require(number(after: "not printed ", in: text))
            #expect(printed + notPrinted == count, "\(text)")
            #expect(notPrinted > 0)
        }
    }
}
