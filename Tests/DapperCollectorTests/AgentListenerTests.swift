import Dapper
import DapperAgent
import DapperAgentTestSupport
import DapperCollector
import DapperWire
import Foundation
import Testing

@Suite(.serialized) struct AgentListenerTests {
    @Test func badDatagramsAreSkippedAndCountedByReason() async throws {
        let directory = temporaryDirectory()
        let (listener, received) = try startListener(AgentDSN(network: .udp, address: "127.0.0.1:0"))
        defer { listener.stop() }
        let sender = try UDPSender(listener.dsn.address)
        let good = try SpanEncoder().encode(sampleSpan(1))
        sender.send([0xff, 0xff, 0xff])  // malformed
        sender.send([0x98, 0x06, 0x02])  // version 2
        sender.send([0x0a, 0x02, 0xc3, 0x28, 0x98, 0x06, 0x01])  // not UTF-8
        sender.send(good)
        #expect(await received.waitFor(1))
        #expect(await eventually { listener.statistics.totalRejected == 3 })
        #expect(listener.statistics.rejected == ["malformed": 1, "unsupported_version": 1, "invalid_utf8": 1])
        #expect(received.spans.first?.operationName == "op-1")
        _ = directory
    }

    @Test func theUnixSocketFileGetsMode0660AndIsRemovedOnStop() throws {
        let path = temporaryDirectory() + "/mode.sock"
        let listener = try AgentListener(dsn: AgentDSN(network: .unixgram, address: path))
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o660)
        try listener.start { _ in }
        listener.stop()
        #expect(access(path, F_OK) != 0)
    }

    @Test func aStaleSocketFileIsReplacedButALiveAgentIsNot() throws {
        let path = temporaryDirectory() + "/stale.sock"
        let stale = try StalledUnixReader(path: path)
        // A bound socket whose owner still holds it counts as live.
        #expect(throws: SocketError.self) { try AgentListener(dsn: AgentDSN(network: .unixgram, address: path)) }
        stale.closeLeavingTheFile()
        let listener = try AgentListener(dsn: AgentDSN(network: .unixgram, address: path))
        listener.stop()
        withExtendedLifetime(stale) {}
    }

    @Test func aRegularFileAtTheSocketPathIsNotRemoved() throws {
        let path = temporaryDirectory() + "/file"
        #expect(FileManager.default.createFile(atPath: path, contents: Data("keep".utf8)))
        #expect(throws: SocketError.self) { try AgentListener(dsn: AgentDSN(network: .unixgram, address: path)) }
        #expect(FileManager.default.contents(atPath: path) == Data("keep".utf8))
    }

    @Test func aListenerDroppedWithoutStopStopsItsThreadsAndFreesItsPort() async throws {
        var address = ""
        do {
            let listener = try AgentListener(dsn: AgentDSN(network: .tcp, address: "127.0.0.1:0"))
            try listener.start { _ in }
            address = listener.dsn.address
            // A second listener cannot have the port while the first holds it.
            #expect(throws: SocketError.self) { try AgentListener(dsn: AgentDSN(network: .tcp, address: address)) }
        }
        let freed = await eventually(timeout: .seconds(2)) {
            (try? AgentListener(dsn: AgentDSN(network: .tcp, address: address))) != nil
        }
        #expect(freed)
    }

    @Test func aSecondUDPListenerOnTheSamePortIsRefused() throws {
        let first = try AgentListener(dsn: AgentDSN(network: .udp, address: "127.0.0.1:0"))
        defer { first.stop() }
        let error = #expect(throws: SocketError.self) {
            try AgentListener(dsn: AgentDSN(network: .udp, address: first.dsn.address))
        }
        #expect(error?.code == EADDRINUSE, "\(String(describing: error))")
        #expect(error?.description.contains("Address already in use") == true)
    }

    @Test func theUnixSocketFileAppearsWithItsModeAndIsNeverChangedInPlace() throws {
        let directory = temporaryDirectory()
        let watch = try DirectoryWatch(directory)
        var configuration = AgentListener.Configuration()
        configuration.unixSocketMode = 0o640
        let listener = try AgentListener(dsn: AgentDSN(network: .unixgram, address: directory + "/watched.sock"), configuration: configuration)
        defer { listener.stop() }
        var info = stat()
        #expect(lstat(directory + "/watched.sock", &info) == 0)
        #expect(info.st_mode & 0o7777 == 0o640)
        let events = watch.events().filter { $0.name == "watched.sock" }
        #expect(events.contains { $0.mask & UInt32(IN_MOVED_TO) != 0 }, "\(events)")
        // A chmod after the file appeared would show as IN_ATTRIB: until then, the mode was
        // whatever bind and the umask made it.
        #expect(!events.contains { $0.mask & UInt32(IN_ATTRIB) != 0 }, "\(events)")
        #expect(!events.contains { $0.mask & UInt32(IN_CREATE) != 0 }, "\(events)")
    }

    @Test func aUnixSocketModeBeyond0777IsRefused() throws {
        let path = temporaryDirectory() + "/sticky.sock"
        var configuration = AgentListener.Configuration()
        configuration.unixSocketMode = 0o7777
        let error = #expect(throws: SocketError.self) {
            try AgentListener(dsn: AgentDSN(network: .unixgram, address: path), configuration: configuration)
        }
        #expect(error?.code == EINVAL)
        #expect(error?.description.contains("0 to 0777") == true, "\(String(describing: error))")
        #expect(access(path, F_OK) != 0)
    }

    @Test func anOversizeFrameCutShortIsCountedOnceAsTooLarge() async throws {
        var configuration = AgentListener.Configuration()
        configuration.maximumSpanSize = 1024
        let listener = try AgentListener(dsn: AgentDSN(network: .tcp, address: "127.0.0.1:0"), configuration: configuration)
        try listener.start { _ in }
        defer { listener.stop() }
        // A 2064-byte frame of which only 100 bytes come before the peer closes.
        try TCPSender(listener.dsn.address).send([0x90, 0x10] + [UInt8](repeating: 0, count: 100))
        #expect(await eventually { listener.statistics.connections == 1 && listener.statistics.openConnections == 0 })
        #expect(listener.statistics.rejected == ["too_large": 1])
    }

    @Test func tcpFramesOverTheLimitAndGarbageAreSkipped() async throws {
        var configuration = AgentListener.Configuration()
        configuration.maximumSpanSize = 1024
        let listener = try AgentListener(dsn: AgentDSN(network: .tcp, address: "127.0.0.1:0"), configuration: configuration)
        let received = ReceivedSpans()
        try listener.start { received.handle($0) }
        defer { listener.stop() }
        let good = try SpanEncoder().encode(sampleSpan(3))
        var stream: [UInt8] = varint(good.count) + good
        stream += [0x90, 0x10] + [UInt8](repeating: 0, count: 2064)  // a 2064-byte frame: too large
        stream += [3, 0xff, 0xff, 0xff]  // a frame that is not a span
        stream += varint(good.count) + good
        try TCPSender(listener.dsn.address).send(stream)
        #expect(await received.waitFor(2))
        #expect(await eventually { listener.statistics.totalRejected == 2 })
        #expect(listener.statistics.rejected == ["too_large": 1, "malformed": 1])
    }
}

/// A plain UDP socket connected to `address`.
struct UDPSender {
    let descriptor: Int32
    init(_ address: String) throws {
        let (host, port) = try #require(address.split(separator: ":").map(String.init).splitPair)
        descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var target = sockaddr_in()
        target.sin_family = sa_family_t(AF_INET)
        target.sin_port = in_port_t(UInt16(port)!).bigEndian
        inet_pton(AF_INET, host, &target.sin_addr)
        _ = withUnsafePointer(to: &target) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
    }
    func send(_ bytes: [UInt8]) { _ = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, 0) } }
}

/// A plain TCP connection to `address`.
struct TCPSender {
    let descriptor: Int32
    init(_ address: String) throws {
        let (host, port) = try #require(address.split(separator: ":").map(String.init).splitPair)
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var target = sockaddr_in()
        target.sin_family = sa_family_t(AF_INET)
        target.sin_port = in_port_t(UInt16(port)!).bigEndian
        inet_pton(AF_INET, host, &target.sin_addr)
        let status = withUnsafePointer(to: &target) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(status == 0)
    }
    func send(_ bytes: [UInt8]) throws {
        let sent = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, 0) }
        try #require(sent == bytes.count)
        close(descriptor)
    }
}

extension Array where Element == String {
    var splitPair: (String, String)? { count == 2 ? (self[0], self[1]) : nil }
}

func varint(_ value: Int) -> [UInt8] {
    var value = UInt64(value)
    var bytes: [UInt8] = []
    while value >= 0x80 {
        bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
        value >>= 7
    }
    return bytes + [UInt8(value)]
}
