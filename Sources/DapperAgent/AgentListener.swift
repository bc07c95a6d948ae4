import CDapperSocket
import Dapper
import DapperWire
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The receiving end of the agent protocol: binds an agent address and decodes the spans
/// that ``AgentReporter`` (or the Go original) sends there. `dapper agent` is built on it.
///
/// ```swift
/// let listener = try AgentListener(dsn: AgentDSN(parsing: "udp://127.0.0.1:6831"))
/// listener.start { event in
///     if case .span(let span) = event { print(span.operationName) }
/// }
/// …
/// listener.stop()
/// ```
///
/// Datagram networks are read in batches (`recvmmsg`) by one thread; for `tcp`, each
/// connection gets a thread that splits the stream into varint-length-delimited spans.
/// Input that is not a span is skipped and counted by reason: the listener never stops on
/// bad input. Events are delivered on the listener's threads, one at a time per thread.
public final class AgentListener: Sendable {
    /// Options of the listener.
    public struct Configuration: Sendable, Hashable {
        /// The mode of a `unixgram` socket file: owner and group may send (0660).
        public var unixSocketMode: UInt32 = 0o660
        /// The largest span accepted, in bytes; larger datagrams and frames are skipped.
        public var maximumSpanSize: Int = SpanDecoder.defaultMaximumSize
        /// The kernel receive buffer asked for datagram sockets, to absorb bursts.
        public var receiveBufferSize: Int = 8 * 1024 * 1024

        /// Creates the default configuration.
        public init() {}
    }

    /// What the listener hands to its handler.
    public enum Event: Sendable {
        /// A span was received and decoded.
        case span(FinishedSpan)
        /// Input was skipped; `reason` is a short stable name, also counted in
        /// ``AgentListener/statistics``.
        case rejected(reason: String, detail: String)
    }

    /// Counters of the listener.
    public struct Statistics: Sendable, Hashable {
        /// Spans decoded and handed to the handler.
        public var spans: Int = 0
        /// Inputs skipped, by reason (`malformed`, `too_large`, `truncated_datagram`,
        /// `bad_frame`, `unsupported_version`, `invalid_utf8`, `invalid_tag`, …).
        public var rejected: [String: Int] = [:]
        /// TCP connections accepted.
        public var connections: Int = 0

        /// Inputs skipped, all reasons together.
        public var totalRejected: Int { rejected.values.reduce(0, +) }
    }

    /// The address actually bound, with the system-chosen port when port 0 was asked for.
    public let dsn: AgentDSN
    /// The options the listener was made with.
    public let configuration: Configuration

    /// What the reading threads share with the listener. They hold the core, not the
    /// listener, so that dropping the last reference to a listener stops them.
    private let core: ListenerCore
    private let unixPath: String?
    /// Whether the socket file is gone already: `stop()` removed it, and from then on the
    /// path may belong to another listener.
    private let fileRemoved = Atomic<Bool>(false)

    /// Binds `dsn`. For `unixgram`, a stale socket file at the path is replaced, but a path
    /// where another process still listens is refused.
    ///
    /// - Throws: ``SocketError`` when the address cannot be bound.
    public init(dsn: AgentDSN, configuration: Configuration = Configuration()) throws(SocketError) {
        self.configuration = configuration
        switch dsn.network {
        case .unixgram:
            guard let address = SocketAddress.unix(path: dsn.address) else {
                throw SocketError("bind", code: ENAMETOOLONG, detail: "to \(dsn.address)")
            }
            let socket = try Socket(family: AF_UNIX, type: Int32(SOCK_DGRAM.rawValue))
            try Self.removeStaleSocket(at: address, path: dsn.address)
            try socket.bind(to: address)
            guard chmod(dsn.address, mode_t(configuration.unixSocketMode)) == 0 else {
                throw SocketError.last("chmod", detail: dsn.address)
            }
            Self.enlargeReceiveBuffer(socket, configuration.receiveBufferSize)
            core = ListenerCore(socket: socket, configuration: configuration)
            self.dsn = dsn
            unixPath = dsn.address
        case .udp, .tcp:
            let isTCP = dsn.network == .tcp
            let type = Int32(isTCP ? SOCK_STREAM.rawValue : SOCK_DGRAM.rawValue)
            let address = try SocketAddress.resolve(dsn.address, type: type)
            let socket = try Socket(family: address.family, type: type)
            try socket.setOption(SOL_SOCKET, SO_REUSEADDR, 1)
            try socket.bind(to: address)
            if isTCP { try socket.listen() } else { Self.enlargeReceiveBuffer(socket, configuration.receiveBufferSize) }
            let bound = try socket.localAddress()
            var actual = dsn
            actual.address = bound.text
            self.dsn = actual
            core = ListenerCore(socket: socket, configuration: configuration)
            unixPath = nil
        }
        // Reading threads wake up this often to see whether they should stop.
        try core.socket.setReceiveTimeout(.milliseconds(100))
    }

    deinit {
        // The threads see the flag within 100 ms and exit; the socket closes with the core.
        core.stopping.store(true, ordering: .releasing)
        removeSocketFile()
    }

    private func removeSocketFile() {
        guard let unixPath, !fileRemoved.exchange(true, ordering: .acquiringAndReleasing) else { return }
        unlink(unixPath)
    }

    /// Starts receiving on threads of the listener's own; `handler` gets every span and every
    /// rejected input.
    public func start(_ handler: @escaping @Sendable (Event) -> Void) {
        let reader = ListenerReader(core: core, handler: handler)
        core.threadStarted()
        if dsn.network == .tcp {
            do { try startThread(name: "dapper-accept") { reader.acceptLoop() } } catch { core.threadFinished() }
        } else {
            do { try startThread(name: "dapper-listen") { reader.datagramLoop() } } catch { core.threadFinished() }
        }
    }

    /// Stops receiving, waits for the listener's threads to finish (about 100 ms), and
    /// removes a `unixgram` socket file.
    public func stop() {
        core.stopping.store(true, ordering: .releasing)
        while core.runningThreads > 0 {
            usleep(5_000)
        }
        core.socket.close()
        removeSocketFile()
    }

    /// What was received so far.
    public var statistics: Statistics { core.counters.withLock { $0 } }

    private static func removeStaleSocket(at address: SocketAddress, path: String) throws(SocketError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw SocketError("bind", code: EEXIST, detail: "to \(path) (a file that is not a socket is there)")
        }
        // A socket someone still reads from answers a connect; a stale one refuses it.
        if let probe = try? Socket(family: AF_UNIX, type: Int32(SOCK_DGRAM.rawValue)), (try? probe.connect(to: address)) != nil {
            throw SocketError("bind", code: EADDRINUSE, detail: "to \(path) (another agent listens there)")
        }
        unlink(path)
    }

    private static func enlargeReceiveBuffer(_ socket: Socket, _ size: Int) {
        let value = Int32(clamping: size)
        // SO_RCVBUFFORCE passes the system limit when privileged; otherwise take what is allowed.
        if (try? socket.setOption(SOL_SOCKET, SO_RCVBUFFORCE, value)) == nil {
            try? socket.setOption(SOL_SOCKET, SO_RCVBUF, value)
        }
    }
}

/// The state the listener and its reading threads share.
private final class ListenerCore: @unchecked Sendable {
    // @unchecked: `socket` is only read by the reading threads and closed by `stop()` once
    // they have all returned (or by deinit, after they have); the rest is atomic or locked.
    let socket: Socket
    let configuration: AgentListener.Configuration
    let stopping = Atomic<Bool>(false)
    let counters = LockedValue(AgentListener.Statistics())
    private let threads = LockedValue(0)

    init(socket: Socket, configuration: AgentListener.Configuration) {
        self.socket = socket
        self.configuration = configuration
    }

    var isStopping: Bool { stopping.load(ordering: .acquiring) }
    var runningThreads: Int { threads.withLock { $0 } }

    func threadStarted() { threads.withLock { $0 += 1 } }
    func threadFinished() { threads.withLock { $0 -= 1 } }

    func count(_ event: AgentListener.Event) {
        counters.withLock {
            switch event {
            case .span: $0.spans += 1
            case .rejected(let reason, _): $0.rejected[reason, default: 0] += 1
            }
        }
    }

    func countConnection() { counters.withLock { $0.connections += 1 } }
}

/// The loops of the reading threads; each thread owns its decoder and buffers.
private final class ListenerReader: Sendable {
    let core: ListenerCore
    let handler: @Sendable (AgentListener.Event) -> Void

    init(core: ListenerCore, handler: @escaping @Sendable (AgentListener.Event) -> Void) {
        self.core = core
        self.handler = handler
    }

    private func emit(_ event: AgentListener.Event) {
        core.count(event)
        handler(event)
    }

    private func decode(_ bytes: UnsafeRawBufferPointer, with decoder: SpanDecoder) {
        do {
            emit(.span(try decoder.decode(bytes)))
        } catch {
            emit(.rejected(reason: Self.reason(error), detail: error.description))
        }
    }

    static func reason(_ error: SpanDecodingError) -> String {
        switch error {
        case .tooLarge: "too_large"
        case .malformed: "malformed"
        case .unsupportedVersion: "unsupported_version"
        case .invalidUTF8: "invalid_utf8"
        case .invalidTagValue, .unknownTagKind: "invalid_tag"
        case .unknownReferenceType: "invalid_reference"
        case .timeOutOfRange: "time_out_of_range"
        }
    }

    func datagramLoop() {
        defer { core.threadFinished() }
        let decoder = SpanDecoder(maximumSize: core.configuration.maximumSpanSize)
        let batch = 64
        // One byte more than the largest span, so that a longer datagram shows as truncated.
        let size = core.configuration.maximumSpanSize + 1
        let memory = UnsafeMutableRawPointer.allocate(byteCount: size * batch, alignment: 16)
        let buffers = UnsafeMutablePointer<dapper_receive_buffer>.allocate(capacity: batch)
        defer {
            memory.deallocate()
            buffers.deallocate()
        }
        for index in 0..<batch {
            buffers[index] = dapper_receive_buffer(base: memory + index * size, capacity: size, received: 0, truncated: 0)
        }
        let descriptor = core.socket.descriptor
        while !core.isStopping {
            let received = dapper_receive_datagrams(descriptor, buffers, UInt32(batch))
            guard received > 0 else { continue }  // timeout or interruption: look at the flag
            for index in 0..<Int(received) {
                let buffer = buffers[index]
                if buffer.truncated != 0 || buffer.received > core.configuration.maximumSpanSize {
                    emit(.rejected(reason: "too_large", detail: "datagram longer than \(core.configuration.maximumSpanSize) bytes"))
                    continue
                }
                decode(UnsafeRawBufferPointer(start: buffer.base, count: buffer.received), with: decoder)
            }
        }
    }

    func acceptLoop() {
        defer { core.threadFinished() }
        let descriptor = core.socket.descriptor
        while !core.isStopping {
            let client = accept(descriptor, nil, nil)
            guard client >= 0 else { continue }
            let connection = ConnectionSocket(Socket(adopting: client))
            try? connection.socket.setReceiveTimeout(.milliseconds(100))
            core.countConnection()
            core.threadStarted()
            do { try startThread(name: "dapper-conn") { [self] in streamLoop(connection) } } catch { core.threadFinished() }
        }
    }

    /// Splits a TCP stream into varint-length-delimited spans.
    private func streamLoop(_ connection: ConnectionSocket) {
        defer { core.threadFinished() }
        let decoder = SpanDecoder(maximumSize: core.configuration.maximumSpanSize)
        var reader = DelimitedReader(maximumFrame: core.configuration.maximumSpanSize)
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
        defer { chunk.deallocate() }
        while !core.isStopping {
            let count = recv(connection.socket.descriptor, chunk.baseAddress, chunk.count, 0)
            if count < 0, errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
            guard count > 0 else { break }  // closed by the peer, or failed
            var failed = false
            reader.consume(UnsafeRawBufferPointer(rebasing: chunk[..<count])) { frame in
                switch frame {
                case .message(let bytes): decode(bytes, with: decoder)
                case .skipped(let length):
                    emit(.rejected(reason: "too_large", detail: "frame of \(length) bytes"))
                case .invalidLength:
                    emit(.rejected(reason: "bad_frame", detail: "length prefix is not a varint"))
                    failed = true
                }
            }
            // After a bad length prefix the stream cannot be split any more.
            if failed { break }
        }
        if reader.hasPartialFrame {
            emit(.rejected(reason: "bad_frame", detail: "connection ended inside a frame"))
        }
        connection.socket.close()
    }
}

private final class ConnectionSocket: @unchecked Sendable {
    // @unchecked: handed from the accepting thread to the connection's thread, which is its
    // only user from then on.
    let socket: Socket
    init(_ socket: Socket) { self.socket = socket }
}
