import Dapper
import DapperAgent
import DapperAgentTestSupport
import DapperCollector
import DapperWire
import Foundation
import Testing

/// A `tcp` listener against peers that open too many connections or hold them silent.
@Suite(.serialized) struct ConnectionLimitTests {
    @Test func connectionsBeyondTheCapAreClosedAtOnceAndCounted() async throws {
        var configuration = AgentListener.Configuration()
        configuration.maximumConnections = 3
        let listener = try AgentListener(dsn: AgentDSN(network: .tcp, address: "127.0.0.1:0"), configuration: configuration)
        let received = ReceivedSpans()
        try listener.start { received.handle($0) }
        defer { listener.stop() }
        var held: [HeldConnection] = []
        for _ in 0..<3 { held.append(try HeldConnection(listener.dsn.address)) }
        #expect(await eventually { listener.statistics.openConnections == 3 })
        let refused = [try HeldConnection(listener.dsn.address), try HeldConnection(listener.dsn.address)]
        for connection in refused {
            #expect(connection.waitForClose(), "a connection over the cap is closed by the listener")
        }
        #expect(listener.statistics.refusedConnections == 2)
        #expect(listener.statistics.openConnections == 3)
        // The connections within the cap are still served.
        for (index, connection) in held.enumerated() {
            let span = try SpanEncoder().encode(sampleSpan(index))
            try connection.send(varint(span.count) + span)
        }
        #expect(await received.waitFor(3))
        #expect(listener.statistics.connections == 3)
    }

    @Test func aSilentConnectionIsClosedAfterTheIdleTimeout() async throws {
        var configuration = AgentListener.Configuration()
        configuration.idleTimeout = .milliseconds(200)
        let listener = try AgentListener(dsn: AgentDSN(network: .tcp, address: "127.0.0.1:0"), configuration: configuration)
        try listener.start { _ in }
        defer { listener.stop() }
        let silent = try HeldConnection(listener.dsn.address)
        #expect(silent.waitForClose())
        #expect(await eventually { listener.statistics.idleConnectionsClosed == 1 })
        #expect(listener.statistics.openConnections == 0)
        #expect(listener.statistics.totalRejected == 0)
    }

    @Test func aConnectionThatKeepsSendingIsNotClosedAsIdle() async throws {
        var configuration = AgentListener.Configuration()
        // A timeout ten times the gap: under a loaded sanitizer run a gap of 400 ms has
        // stretched past 2 s.
        configuration.idleTimeout = .seconds(4)
        let listener = try AgentListener(dsn: AgentDSN(network: .tcp, address: "127.0.0.1:0"), configuration: configuration)
        let received = ReceivedSpans()
        try listener.start { received.handle($0) }
        defer { listener.stop() }
        let connection = try HeldConnection(listener.dsn.address)
        // 5.2 s of sending, every 400 ms: well past the timeout, each gap well within it.
        for index in 0..<13 {
            let span = try SpanEncoder().encode(sampleSpan(index))
            try connection.send(varint(span.count) + span)
            #expect(await received.waitFor(index + 1))
            try await Task.sleep(for: .milliseconds(400))
        }
        #expect(listener.statistics.idleConnectionsClosed == 0)
        #expect(listener.statistics.openConnections == 1)
    }
}

/// A TCP connection the test keeps open, closed on deinit.
final class HeldConnection {
    let descriptor: Int32

    init(_ address: String) throws {
        let (host, port) = try #require(address.split(separator: ":").map(String.init).splitPair)
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(descriptor >= 0)
        var target = sockaddr_in()
        target.sin_family = sa_family_t(AF_INET)
        target.sin_port = in_port_t(try #require(UInt16(port))).bigEndian
        inet_pton(AF_INET, host, &target.sin_addr)
        let status = withUnsafePointer(to: &target) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(status == 0)
    }

    // The one close, after a failed init too: closing a number twice could end a descriptor
    // that another test has been given since.
    deinit { close(descriptor) }

    func send(_ bytes: [UInt8]) throws {
        let sent = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        try #require(sent == bytes.count)
    }

    /// Waits up to `seconds` for the other end to close; returns whether it did.
    func waitForClose(seconds: Int = 10) -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        guard poll(&entry, 1, Int32(seconds * 1000)) == 1 else { return false }
        var byte: UInt8 = 0
        let count = recv(descriptor, &byte, 1, Int32(MSG_DONTWAIT))
        return count == 0 || (count < 0 && errno == ECONNRESET)
    }
}
