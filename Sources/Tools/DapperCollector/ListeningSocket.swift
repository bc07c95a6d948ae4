import DapperAgent

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The calls only a listener makes on a socket: binding, listening, the address bound, and
/// non-blocking mode for its `poll` loop. The reporter's side needs none of them.
extension Socket {
    func bind(to address: SocketAddress) throws(SocketError) {
        let status = address.withSockaddr { Glibc.bind(descriptor, $0, $1) }
        guard status == 0 else { throw SocketError.last("bind", detail: "to \(address.text)") }
    }

    func listen(backlog: Int32 = 128) throws(SocketError) {
        guard Glibc.listen(descriptor, backlog) == 0 else { throw SocketError.last("listen") }
    }

    /// The bound address (for a port chosen by the system).
    func localAddress() throws(SocketError) -> SocketAddress {
        var address = SocketAddress()
        address.length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutableBytes(of: &address.storage) { raw in
            getsockname(descriptor, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), &address.length)
        }
        guard status == 0 else { throw SocketError.last("getsockname") }
        return address
    }

    /// Makes calls on the socket return `EAGAIN` instead of waiting, for a `poll` loop.
    func setNonBlocking() throws(SocketError) {
        let flags = fcntl(descriptor, F_GETFL)
        guard flags >= 0, fcntl(descriptor, F_SETFL, flags | O_NONBLOCK) == 0 else {
            throw SocketError.last("fcntl")
        }
    }
}
