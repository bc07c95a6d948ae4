import CDapperCollectorSocket
import Dapper
import DapperAgent

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The reading thread of a `tcp` listener: one thread and one `poll` over the listening
/// socket, the wake pipe and every connection, so that connections cost no thread and no
/// buffer of their own while idle.
///
/// Each connection keeps only its ``DelimitedReader`` (empty between frames) and the time it
/// last sent something; all reads go through one shared chunk. Beyond
/// ``AgentListener/Configuration/maximumConnections`` a connection is accepted and closed at
/// once; a connection silent for ``AgentListener/Configuration/idleTimeout`` is closed; when
/// `accept` fails for want of descriptors, the listening socket is left out of the poll for
/// ``AgentListener/Configuration/acceptBackoff`` instead of being retried at full speed.
struct ConnectionPoller: ~Copyable {
    private struct Connection {
        let socket: Socket
        var reader: DelimitedReader
        var lastActivity: UInt64
    }

    private let core: ListenerCore
    private let sink: EventSink
    private let maximumConnections: Int
    private let idleNanos: UInt64?
    private let backoffNanos: UInt64
    /// `descriptors[0]` is the wake pipe, `[1]` the listening socket, `[2 + i]` connection i.
    private var descriptors: [pollfd]
    private var connections: [Connection] = []
    private var acceptPausedUntil: UInt64 = 0
    private let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 16)

    init(core: ListenerCore, sink: EventSink) {
        self.core = core
        self.sink = sink
        maximumConnections = max(0, core.configuration.maximumConnections)
        idleNanos = core.configuration.idleTimeout.map { max($0, .milliseconds(1)).clampedNanos }
        backoffNanos = max(core.configuration.acceptBackoff, .milliseconds(1)).clampedNanos
        descriptors = [
            pollfd(fd: core.wakeRead, events: Int16(POLLIN), revents: 0),
            pollfd(fd: core.socket.descriptor, events: Int16(POLLIN), revents: 0),
        ]
    }

    deinit { chunk.deallocate() }

    mutating func run() {
        while !core.isStopping {
            var now = monotonicNanos()
            // A negative descriptor is skipped by poll: the pause after a failed accept.
            descriptors[1].fd = now < acceptPausedUntil ? -1 : core.socket.descriptor
            guard pollDescriptors(&descriptors, timeoutMilliseconds: timeout(now: now)) >= 0 else {
                usleep(10_000)  // poll itself failed (out of memory): try again shortly
                continue
            }
            if descriptors[0].revents != 0 { drainWakePipe(core.wakeRead) }
            if core.isStopping { break }
            now = monotonicNanos()
            serveConnections(now: now)
            if descriptors[1].fd >= 0, descriptors[1].revents != 0 { acceptConnections(now: now) }
        }
        while !connections.isEmpty { closeConnection(at: connections.count - 1) }
    }

    /// Milliseconds until the next idle deadline or the end of an accept pause; -1 for none.
    private func timeout(now: UInt64) -> Int32 {
        var deadline = UInt64.max
        if now < acceptPausedUntil { deadline = acceptPausedUntil }
        if let idleNanos, let oldest = connections.lazy.map(\.lastActivity).min() {
            deadline = min(deadline, oldest &+ idleNanos)
        }
        guard deadline != .max else { return -1 }
        guard deadline > now else { return 0 }
        return Int32(clamping: (deadline - now) / 1_000_000 + 1)
    }

    /// Reads what each ready connection sent and closes the finished and the idle ones.
    /// Backwards, so that removing connection i moves an already served one into its place.
    private mutating func serveConnections(now: UInt64) {
        var index = connections.count - 1
        while index >= 0 {
            if descriptors[index + 2].revents != 0 {
                if !read(index, now: now) { closeConnection(at: index) }
            } else if let idleNanos, now >= connections[index].lastActivity &+ idleNanos {
                closeConnection(at: index, idle: true)
            }
            index -= 1
        }
    }

    /// Reads once from connection `index`; returns false when it is to be closed.
    private mutating func read(_ index: Int, now: UInt64) -> Bool {
        let count = recv(connections[index].socket.descriptor, chunk.baseAddress, chunk.count, 0)
        if count < 0 { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR }
        guard count > 0 else { return false }  // closed by the peer
        connections[index].lastActivity = now
        var usable = true
        let sink = self.sink
        connections[index].reader.consume(UnsafeRawBufferPointer(rebasing: chunk[..<count])) { frame in
            switch frame {
            case .message(let bytes): sink.decode(bytes)
            case .skipped(let length):
                sink.emit(.rejected(reason: "too_large", detail: "frame of \(length) bytes"))
            case .invalidLength:
                sink.emit(.rejected(reason: "bad_frame", detail: "length prefix is not a varint"))
                usable = false
            }
        }
        // After a bad length prefix the stream cannot be split any more.
        return usable
    }

    private mutating func closeConnection(at index: Int, idle: Bool = false) {
        let connection = connections[index]
        // A frame skipped for its size was counted as too_large when it began.
        if connection.reader.endsInsideFrame {
            sink.emit(.rejected(reason: "bad_frame", detail: "connection ended inside a frame"))
        }
        let last = connections.count - 1
        if index != last {
            connections[index] = connections[last]
            descriptors[index + 2] = descriptors[last + 2]
        }
        connections.removeLast()
        descriptors.removeLast()
        core.count {
            $0.openConnections -= 1
            if idle { $0.idleConnectionsClosed += 1 }
        }
        connection.socket.close()
    }

    /// Accepts what is waiting, up to a batch, so that the connections are served in between.
    private mutating func acceptConnections(now: UInt64) {
        for _ in 0..<64 {
            let client = dapper_accept(core.socket.descriptor)
            guard client >= 0 else {
                switch errno {
                case EAGAIN, EWOULDBLOCK:
                    return
                case EINTR, ECONNABORTED, EPROTO:
                    continue  // that connection is gone; others may wait
                default:
                    // EMFILE, ENFILE, ENOBUFS, ENOMEM: the connection stays queued in the
                    // kernel, so retrying at once would fail again at full speed.
                    core.count { $0.acceptErrors += 1 }
                    acceptPausedUntil = now &+ backoffNanos
                    return
                }
            }
            guard connections.count < maximumConnections else {
                // Counted before the close, so that a peer seeing the close sees the count.
                core.count { $0.refusedConnections += 1 }
                close(client)
                continue
            }
            core.count {
                $0.connections += 1
                $0.openConnections += 1
            }
            connections.append(
                Connection(
                    socket: Socket(adopting: client),
                    reader: DelimitedReader(maximumFrame: core.configuration.maximumSpanSize),
                    lastActivity: now))
            descriptors.append(pollfd(fd: client, events: Int16(POLLIN), revents: 0))
        }
    }
}
