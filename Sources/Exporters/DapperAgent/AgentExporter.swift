import CDapperSocket
import Dapper
import DapperReporting
import DapperWire

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The agent reporter's exporter: encodes each batch of spans (``SpanEncoder``) and writes
/// it to the agent, on the pipeline's thread (``BatchingReporter``).
///
/// Every span ends delivered or dropped with a reason; nothing is tried again (a datagram
/// lost is lost, and the queue stays short so that the spans after a recovery are fresh
/// ones). While there is no connection, spans are dropped as `not_connected`, and a new
/// connection is tried after a capped exponential backoff. Allocates nothing per span: the
/// buffers are made once and grow only for a larger batch.
final class AgentExporter: SpanExporter {
    let name = "agent"
    private let dsn: AgentDSN
    private let status: LockedValue<AgentStatus>
    private let encoder: SpanEncoder
    private var backoff: RetryBackoff
    private var connection: AgentConnection?
    private var nextAttempt = ContinuousClock.now

    /// Encoded spans of a batch, back to back (TCP: each behind its varint length).
    private var buffer: UnsafeMutableRawBufferPointer
    /// Where each encoded span of the batch starts and ends in `buffer`.
    private let extents: UnsafeMutablePointer<(start: Int, end: Int, truncated: Bool)>
    private let datagrams: UnsafeMutablePointer<dapper_datagram>

    init(dsn: AgentDSN, configuration: AgentReporter.Configuration, encoder: SpanEncoder, status: LockedValue<AgentStatus>) {
        self.dsn = dsn
        self.status = status
        self.encoder = encoder
        backoff = RetryBackoff(minimum: configuration.minimumReconnectDelay, maximum: configuration.maximumReconnectDelay)
        buffer = .allocate(byteCount: 256 * 1024, alignment: 16)
        extents = .allocate(capacity: configuration.maximumBatchSize)
        datagrams = .allocate(capacity: configuration.maximumBatchSize)
    }

    deinit {
        connection?.close()
        buffer.deallocate()
        extents.deallocate()
        datagrams.deallocate()
    }

    /// Closes the connection: the reporter is closing.
    func shutdown() {
        connection?.close()
        connection = nil
        status.withLock { $0.isConnected = false }
    }

    // MARK: Delivery

    /// Writes `spans` to the agent; the socket's send timeout (the DSN's) bounds each call, so
    /// `deadline` needs no handling of its own.
    func export(_ spans: UnsafeBufferPointer<FinishedSpan>, deadline: ContinuousClock.Instant) -> ExportResult {
        connectIfDue()
        guard let connection else { return .failed(reason: .notConnected, retry: .never) }
        var result = ExportResult()
        let encoded = encode(spans, framed: connection.isStream, into: &result)
        guard encoded > 0 else { return result }
        if connection.isStream {
            writeStream(encoded, on: connection, into: &result)
        } else {
            sendDatagrams(encoded, on: connection, into: &result)
        }
        return result
    }

    /// Encodes the batch into `buffer`, each span packed by protobuf-c where it will be sent
    /// from; returns how many spans were encoded (the others are counted as dropped).
    private func encode(_ spans: UnsafeBufferPointer<FinishedSpan>, framed: Bool, into result: inout ExportResult) -> Int {
        var offset = 0
        var encoded = 0
        for span in spans {
            // A stream's length prefix is known only once the span is packed: room is left
            // for the longest prefix the encoder's bound needs, and closed up when the length
            // turns out shorter (rarely: only when the bound and the length straddle a power
            // of 128).
            var prefixRoom = 0
            do {
                let (written, encoding) = try encoder.encode(span) { bound in
                    prefixRoom = framed ? Varint.size(UInt64(bound)) : 0
                    let needed = offset + prefixRoom + bound
                    if needed > buffer.count { grow(to: needed, keeping: offset) }
                    return buffer.baseAddress! + offset + prefixRoom
                }
                let start = offset
                if framed {
                    let prefix = Varint.size(UInt64(written))
                    if prefix < prefixRoom {
                        (buffer.baseAddress! + offset + prefix).copyMemory(
                            from: buffer.baseAddress! + offset + prefixRoom, byteCount: written)
                    }
                    offset += Varint.write(UInt64(written), to: buffer.baseAddress! + offset)
                }
                offset += written
                extents[encoded] = (start, offset, encoding.isTruncated)
                encoded += 1
            } catch {
                result.drop(.oversize)
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

    private func sendDatagrams(_ count: Int, on connection: AgentConnection, into result: inout ExportResult) {
        for index in 0..<count {
            let extent = extents[index]
            datagrams[index] = dapper_datagram(
                base: UnsafeRawPointer(buffer.baseAddress! + extent.start), length: extent.end - extent.start)
        }
        var index = 0
        while index < count {
            let (sent, error) = connection.send(datagrams: UnsafeMutableBufferPointer(start: datagrams + index, count: count - index))
            delivered(from: index, count: sent, into: &result)
            index += sent
            guard let error else { break }
            if error == EMSGSIZE {
                // Too large for this socket's buffer: only this span is lost.
                result.drop(.oversize)
                index += 1
                continue
            }
            result.failure = failed(error, operation: "send")
            return
        }
    }

    private func writeStream(_ count: Int, on connection: AgentConnection, into result: inout ExportResult) {
        let total = extents[count - 1].end
        let (written, error) = connection.write(stream: UnsafeRawBufferPointer(rebasing: buffer[..<total]))
        var complete = 0
        while complete < count, extents[complete].end <= written { complete += 1 }
        delivered(from: 0, count: complete, into: &result)
        if let error {
            result.failure = failed(error, operation: "write")
        }
    }

    private func delivered(from start: Int, count: Int, into result: inout ExportResult) {
        guard count > 0 else { return }
        var truncated = 0
        for index in start..<(start + count) where extents[index].truncated { truncated += 1 }
        result.deliver(count, truncated: truncated)
    }

    /// A send failed: what is left of the batch is dropped with the matching reason, never
    /// retried. A timeout (the agent reads too slowly) keeps the connection; anything else
    /// ends it.
    private func failed(_ error: Int32, operation: String) -> ExportFailure {
        let socketError = SocketError(operation, code: error, detail: "to \(dsn.address)")
        switch error {
        case EAGAIN, EWOULDBLOCK:
            status.withLock { $0.lastError = socketError }
            if connection?.isStream == true { disconnect(socketError) }
            return ExportFailure(reason: .writeError, retry: .never)
        case ECONNREFUSED, ENOTCONN, ENOENT, ECONNRESET, EPIPE, EDESTADDRREQ, ECONNABORTED:
            disconnect(socketError)
            return ExportFailure(reason: .notConnected, retry: .never)
        default:
            disconnect(socketError)
            return ExportFailure(reason: .writeError, retry: .never)
        }
    }

    // MARK: Connection

    private func connectIfDue() {
        guard connection == nil else { return }
        let now = ContinuousClock.now
        guard now >= nextAttempt else { return }
        do throws(SocketError) {
            connection = try AgentConnection(dsn: dsn)
            backoff.reset()
            status.withLock {
                $0.isConnected = true
                $0.connections += 1
            }
        } catch {
            nextAttempt = now + backoff.next()
            status.withLock { $0.lastError = error }
        }
    }

    private func disconnect(_ error: SocketError) {
        connection?.close()
        connection = nil
        nextAttempt = .now + backoff.next()
        status.withLock {
            $0.isConnected = false
            $0.lastError = error
        }
    }
}
