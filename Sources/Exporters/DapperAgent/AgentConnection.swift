import CDapperSocket

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A connected socket to the agent on one of its networks, owned by the writer thread.
///
/// Datagram networks (`unixgram`, `udp`) carry one span per datagram and are written in
/// batches with one `sendmmsg` call. `tcp` is a byte stream, so each span is framed with its
/// length as a varint (protobuf's delimited format); a write that fails part-way leaves the
/// stream unusable, so the connection is then dropped and made again.
final class AgentConnection {
    private let socket: Socket
    let isStream: Bool

    init(dsn: AgentDSN) throws(SocketError) {
        let address: SocketAddress
        switch dsn.network {
        case .unixgram:
            guard let unix = SocketAddress.unix(path: dsn.address) else {
                throw SocketError("connect", code: ENAMETOOLONG, detail: "to \(dsn.address)")
            }
            address = unix
            isStream = false
        case .udp:
            address = try SocketAddress.resolve(dsn.address, type: Int32(SOCK_DGRAM.rawValue))
            isStream = false
        case .tcp:
            address = try SocketAddress.resolve(dsn.address, type: Int32(SOCK_STREAM.rawValue))
            isStream = true
        }
        let type = isStream ? Int32(SOCK_STREAM.rawValue) : Int32(SOCK_DGRAM.rawValue)
        socket = try Socket(family: address.family, type: type)
        // The write timeout bounds every blocking call of the writer thread, connect included.
        try socket.setSendTimeout(dsn.timeout)
        if isStream { try socket.setOption(Int32(IPPROTO_TCP), TCP_NODELAY, 1) }
        try socket.connect(to: address)
    }

    func close() { socket.close() }

    /// Sends datagrams with as few calls as the kernel allows. Returns how many were sent
    /// and, when not all, the `errno` that stopped the first unsent one.
    func send(datagrams: UnsafeMutableBufferPointer<dapper_datagram>) -> (sent: Int, error: Int32?) {
        var sent = 0
        while sent < datagrams.count {
            let result = dapper_send_datagrams(
                socket.descriptor, datagrams.baseAddress! + sent, UInt32(datagrams.count - sent))
            guard result > 0 else { return (sent, result < 0 ? errno : EIO) }
            sent += Int(result)
        }
        return (sent, nil)
    }

    /// Writes a byte stream. Returns how many bytes were written and, when not all, the
    /// `errno` that stopped the write.
    func write(stream bytes: UnsafeRawBufferPointer) -> (written: Int, error: Int32?) {
        var written = 0
        while written < bytes.count {
            let result = Glibc.send(socket.descriptor, bytes.baseAddress! + written, bytes.count - written, Int32(MSG_NOSIGNAL))
            if result > 0 {
                written += result
            } else if result < 0, errno == EINTR {
                continue
            } else {
                return (written, result < 0 ? errno : EPIPE)
            }
        }
        return (written, nil)
    }
}
