import Dapper
import DapperAgent
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The receiving end of the agent protocol: binds an agent address and decodes the spans
/// that ``/DapperAgent/AgentReporter`` (or the Go original) sends there. `dapper agent` is
/// built on it.
///
/// ```swift
/// let listener = try AgentListener(dsn: AgentDSN(parsing: "udp://127.0.0.1:6831"))
/// try listener.start { event in
///     if case .span(let span) = event { print(span.operationName) }
/// }
/// …
/// listener.stop()
/// ```
///
/// One thread of the listener's own does all the reading. Datagram networks are read in
/// batches (`recvmmsg`). For `tcp`, the same thread waits with `poll` on the listening socket
/// and every connection, and splits each stream into varint-length-delimited spans; an idle
/// connection costs a descriptor and a few dozen bytes, no thread and no buffer.
///
/// Hostile input and hostile peers are bounded and counted, never fatal:
/// - input that is not a span is skipped and counted by reason in ``statistics``;
/// - at most ``Configuration/maximumConnections`` TCP connections are served at once, the
///   excess is closed at once and counted (``Statistics/refusedConnections``);
/// - a connection silent for ``Configuration/idleTimeout`` is closed
///   (``Statistics/idleConnectionsClosed``);
/// - when the process is out of descriptors, accepting pauses for
///   ``Configuration/acceptBackoff`` after each failure (``Statistics/acceptErrors``);
/// - a `udp` or `tcp` port already bound by anyone is refused with
///   ``/DapperAgent/SocketError`` (`EADDRINUSE`): UDP sockets do not set `SO_REUSEADDR`, so no
///   other local process can share the port and read the spans;
/// - a `unixgram` socket file appears with ``Configuration/unixSocketMode`` already set,
///   whatever the umask, and no link at its path is followed.
///
/// Events are delivered on the listener's thread, one at a time; a slow handler slows
/// reading, so hand the work on rather than block.
public final class AgentListener: Sendable {
    /// What the listener hands to its handler.
    public enum Event: Sendable {
        /// A span was received and decoded.
        case span(FinishedSpan)
        /// Input was skipped; `reason` is a short stable name, also counted in
        /// ``AgentListener/statistics``. `detail` may carry bytes from the peer: escape it
        /// before printing it.
        case rejected(reason: String, detail: String)
    }

    /// The address actually bound, with the system-chosen port when port 0 was asked for.
    public let dsn: AgentDSN
    /// The options the listener was made with.
    public let configuration: Configuration

    private let core: ListenerCore
    private let unixPath: String?
    /// Whether the socket file is gone already: `stop()` removed it, and from then on the
    /// path may belong to another listener.
    private let fileRemoved = Atomic<Bool>(false)

    /// Binds `dsn`. For `unixgram`, a stale socket file at the path is replaced, but a path
    /// where another process still listens is refused, and so is a path that holds anything
    /// but a socket.
    ///
    /// - Throws: ``/DapperAgent/SocketError`` when the address cannot be bound: in use
    ///   (`EADDRINUSE`), not allowed, or ``Configuration/unixSocketMode`` beyond 0o777
    ///   (`EINVAL`).
    public init(dsn: AgentDSN, configuration: Configuration = Configuration()) throws(SocketError) {
        self.configuration = configuration
        let socket: Socket
        switch dsn.network {
        case .unixgram:
            guard let address = SocketAddress.unix(path: dsn.address) else {
                throw SocketError("bind", code: ENAMETOOLONG, detail: "to \(dsn.address)")
            }
            socket = try Socket(family: AF_UNIX, type: Int32(SOCK_DGRAM.rawValue))
            try Self.refuseLiveOrForeignFile(at: address, path: dsn.address)
            try UnixSocketFile.bind(socket, path: dsn.address, mode: configuration.unixSocketMode)
            Self.enlargeReceiveBuffer(socket, configuration.receiveBufferSize)
            self.dsn = dsn
            unixPath = dsn.address
        case .udp, .tcp:
            let isTCP = dsn.network == .tcp
            let type = Int32(isTCP ? SOCK_STREAM.rawValue : SOCK_DGRAM.rawValue)
            let address = try SocketAddress.resolve(dsn.address, type: type)
            socket = try Socket(family: address.family, type: type)
            // For TCP, lets a restarted agent bind while old connections are in TIME_WAIT; Linux
            // still refuses a port another socket listens on. For UDP it would let any local
            // process bind the same port and take the spans, so it is not set there.
            if isTCP { try socket.setOption(SOL_SOCKET, SO_REUSEADDR, 1) }
            try socket.bind(to: address)
            if isTCP { try socket.listen() } else { Self.enlargeReceiveBuffer(socket, configuration.receiveBufferSize) }
            var actual = dsn
            actual.address = try socket.localAddress().text
            self.dsn = actual
            unixPath = nil
        }
        do {
            try socket.setNonBlocking()
            core = try ListenerCore(socket: socket, configuration: configuration)
        } catch {
            if let unixPath { unlink(unixPath) }
            throw error
        }
    }

    deinit {
        // The thread wakes up and returns; the socket closes when it lets go of the core.
        core.requestStop()
        removeSocketFile()
    }

    private func removeSocketFile() {
        guard let unixPath, !fileRemoved.exchange(true, ordering: .acquiringAndReleasing) else { return }
        unlink(unixPath)
    }

    /// Starts receiving on a thread of the listener's own; `handler` gets every span and every
    /// rejected input, one at a time. Call it once.
    ///
    /// - Throws: ``/Dapper/ThreadStartError`` when the system refuses a thread; the listener
    ///   then receives nothing, and may be started again.
    public func start(_ handler: @escaping @Sendable (Event) -> Void) throws(ThreadStartError) {
        let core = self.core
        let isStream = dsn.network == .tcp
        core.markRunning(true)
        do {
            try startThread(name: isStream ? "dapper-accept" : "dapper-listen") {
                defer { core.markRunning(false) }
                let sink = EventSink(core: core, handler: handler)
                if isStream {
                    var poller = ConnectionPoller(core: core, sink: sink)
                    poller.run()
                } else {
                    runDatagramLoop(core: core, sink: sink)
                }
            }
        } catch {
            core.markRunning(false)
            throw error
        }
    }

    /// Stops receiving, waits for the listener's thread to return (at once: it is woken),
    /// closes every connection, and removes a `unixgram` socket file. Datagrams already
    /// queued in the socket are still read and handed over first. Not from the handler: it
    /// runs on the thread this waits for.
    public func stop() {
        core.requestStop()
        while core.isRunning {
            usleep(1_000)
        }
        core.socket.close()
        removeSocketFile()
    }

    /// What was received so far.
    public var statistics: Statistics { core.statistics }

    private static func refuseLiveOrForeignFile(at address: SocketAddress, path: String) throws(SocketError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw SocketError("bind", code: EEXIST, detail: "to \(path) (a file that is not a socket is there)")
        }
        // A socket someone still reads from answers a connect; a stale one refuses it, and is
        // replaced when the new file is moved into place.
        if let probe = try? Socket(family: AF_UNIX, type: Int32(SOCK_DGRAM.rawValue)), (try? probe.connect(to: address)) != nil {
            throw SocketError("bind", code: EADDRINUSE, detail: "to \(path) (another agent listens there)")
        }
    }

    private static func enlargeReceiveBuffer(_ socket: Socket, _ size: Int) {
        let value = Int32(clamping: size)
        // SO_RCVBUFFORCE passes the system limit when privileged; otherwise take what is allowed.
        if (try? socket.setOption(SOL_SOCKET, SO_RCVBUFFORCE, value)) == nil {
            try? socket.setOption(SOL_SOCKET, SO_RCVBUF, value)
        }
    }
}
