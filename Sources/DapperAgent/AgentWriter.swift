import CDapperSocket
import Dapper
import DapperWire

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The agent reporter's writer: one thread of its own that takes batches of spans from the
/// queue, encodes them, and writes them to the agent.
///
/// Every span taken ends delivered or dropped with a counted reason. While there is no
/// connection, spans are dropped as `not_connected` rather than kept, and a new connection is
/// tried after a capped exponential backoff; the queue stays short, so the spans that follow
/// a recovery are fresh ones.
final class AgentWriter: @unchecked Sendable {
    // @unchecked: after `start()`, every stored var is touched only by the writer thread;
    // `queue`, `counters` and `status` are thread-safe themselves.
    private let dsn: AgentDSN
    private let queue: SpanQueue
    private let counters: ReporterCounters
    private let status: LockedValue<AgentStatus>
    private let maximumBatch: Int
    private let encoder: SpanEncoder
    private var backoff: Backoff
    private var connection: AgentConnection?
    private var nextAttempt: UInt64 = 0

    private let batch: UnsafeMutablePointer<FinishedSpan>
    /// Encoded spans of a batch, back to back (TCP: each behind its varint length).
    private var buffer: UnsafeMutableRawBufferPointer
    /// Where each encoded span of the batch starts and ends in `buffer`.
    private let extents: UnsafeMutablePointer<(start: Int, end: Int, truncated: Bool)>
    private let datagrams: UnsafeMutablePointer<dapper_datagram>

    init(
        dsn: AgentDSN, configuration: AgentReporter.Configuration, queue: SpanQueue,
        counters: ReporterCounters, status: LockedValue<AgentStatus>
    ) {
        self.dsn = dsn
        self.queue = queue
        self.counters = counters
        self.status = status
        maximumBatch = configuration.maximumBatchSize
        encoder = SpanEncoder(maximumSize: configuration.maximumSpanSize)
        backoff = Backoff(minimum: configuration.minimumReconnectDelay, maximum: configuration.maximumReconnectDelay)
        batch = .allocate(capacity: maximumBatch)
        buffer = .allocate(byteCount: 256 * 1024, alignment: 16)
        extents = .allocate(capacity: maximumBatch)
        datagrams = .allocate(capacity: maximumBatch)
    }

    deinit {
        connection?.close()
        batch.deallocate()
        buffer.deallocate()
        extents.deallocate()
        datagrams.deallocate()
    }

    func start() {
        try? startThread(name: "dapper-agent") { [self] in
            run()
        }
    }

    private func run() {
        while true {
            let taken = queue.take(into: batch, maximum: maximumBatch, deadline: nil)
            if taken.count == 0 {
                if taken.closed { break }
                continue
            }
            deliver(taken.count)
            batch.deinitialize(count: taken.count)
            queue.finished(taken.count)
        }
        connection?.close()
        connection = nil
        status.withLock { $0.isConnected = false }
        queue.writerDidExit()
    }

    // MARK: Delivery

    private func deliver(_ count: Int) {
        connectIfDue()
        guard let connection else {
            counters.dropped(.notConnected, count)
            return
        }
        let encoded = encode(count, framed: connection.isStream)
        guard encoded > 0 else { return }
        if connection.isStream {
            writeStream(encoded, on: connection)
        } else {
            sendDatagrams(encoded, on: connection)
        }
    }

    /// Encodes the batch into `buffer`; returns how many spans were encoded (the others are
    /// counted as dropped).
    private func encode(_ count: Int, framed: Bool) -> Int {
        var offset = 0
        var encoded = 0
        for index in 0..<count {
            do {
                try encoder.withEncodedBytes(of: batch[index]) { bytes, encoding in
                    let needed = offset + bytes.count + (framed ? 10 : 0)
                    if needed > buffer.count { grow(to: needed, keeping: offset) }
                    let start = offset
                    if framed { offset += writeVarint(UInt64(bytes.count), at: offset) }
                    buffer.baseAddress!.advanced(by: offset).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
                    offset += bytes.count
                    extents[encoded] = (start, offset, encoding.isTruncated)
                    encoded += 1
                }
            } catch {
                counters.dropped(.oversize)
            }
        }
        return encoded
    }

    private func grow(to size: Int, keeping used: Int) {
        let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, buffer.count * 2), alignment: 16)
        larger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: used)
        buffer.deallocate()
        buffer = larger
    }

    private func writeVarint(_ value: UInt64, at offset: Int) -> Int {
        var value = value
        var written = 0
        while value >= 0x80 {
            buffer[offset + written] = UInt8(truncatingIfNeeded: value) | 0x80
            value >>= 7
            written += 1
        }
        buffer[offset + written] = UInt8(value)
        return written + 1
    }

    private func sendDatagrams(_ count: Int, on connection: AgentConnection) {
        for index in 0..<count {
            let extent = extents[index]
            datagrams[index] = dapper_datagram(
                base: UnsafeRawPointer(buffer.baseAddress! + extent.start), length: extent.end - extent.start)
        }
        var index = 0
        while index < count {
            let (sent, error) = connection.send(datagrams: UnsafeMutableBufferPointer(start: datagrams + index, count: count - index))
            delivered(from: index, count: sent)
            index += sent
            guard let error else { break }
            if error == EMSGSIZE {
                // Too large for this socket's buffer: only this span is lost.
                counters.dropped(.oversize)
                index += 1
                continue
            }
            failed(error, remaining: count - index, operation: "send")
            return
        }
    }

    private func writeStream(_ count: Int, on connection: AgentConnection) {
        let total = extents[count - 1].end
        let (written, error) = connection.write(stream: UnsafeRawBufferPointer(rebasing: buffer[..<total]))
        var complete = 0
        while complete < count, extents[complete].end <= written { complete += 1 }
        delivered(from: 0, count: complete)
        if let error {
            failed(error, remaining: count - complete, operation: "write")
        }
    }

    private func delivered(from start: Int, count: Int) {
        guard count > 0 else { return }
        counters.delivered(count)
        var truncated = 0
        for index in start..<(start + count) where extents[index].truncated { truncated += 1 }
        counters.truncated(truncated)
    }

    /// A send failed: drop what is left of the batch with the matching reason. A timeout
    /// (the agent reads too slowly) keeps the connection; anything else ends it.
    private func failed(_ error: Int32, remaining: Int, operation: String) {
        let socketError = SocketError(operation, code: error, detail: "to \(dsn.address)")
        switch error {
        case EAGAIN, EWOULDBLOCK:
            counters.dropped(.writeError, remaining)
            status.withLock { $0.lastError = socketError }
            if connection?.isStream == true { disconnect(socketError) }
        case ECONNREFUSED, ENOTCONN, ENOENT, ECONNRESET, EPIPE, EDESTADDRREQ, ECONNABORTED:
            counters.dropped(.notConnected, remaining)
            disconnect(socketError)
        default:
            counters.dropped(.writeError, remaining)
            disconnect(socketError)
        }
    }

    // MARK: Connection

    private func connectIfDue() {
        guard connection == nil else { return }
        let now = monotonicNanos()
        guard now >= nextAttempt else { return }
        do throws(SocketError) {
            connection = try AgentConnection(dsn: dsn)
            backoff.reset()
            status.withLock {
                $0.isConnected = true
                $0.connections += 1
            }
        } catch {
            nextAttempt = now + backoff.next().clampedNanos
            status.withLock { $0.lastError = error }
        }
    }

    private func disconnect(_ error: SocketError) {
        connection?.close()
        connection = nil
        nextAttempt = monotonicNanos() + backoff.next().clampedNanos
        status.withLock {
            $0.isConnected = false
            $0.lastError = error
        }
    }
}

/// What the writer knows about its connection, for ``AgentReporter/status``.
public struct AgentStatus: Sendable, Hashable {
    /// Whether the writer holds a connection to the agent.
    public var isConnected = false
    /// How many connections were made so far (more than one means reconnections).
    public var connections = 0
    /// The last connection or write error, if any.
    public var lastError: SocketError?
}
