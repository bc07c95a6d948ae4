#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An owned socket descriptor: closed exactly once, by ``close()`` or on deinit.
final class Socket {
    private(set) var descriptor: Int32

    init(family: Int32, type: Int32) throws(SocketError) {
        descriptor = socket(family, type | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError.last("socket") }
    }

    init(adopting descriptor: Int32) { self.descriptor = descriptor }

    deinit { close() }

    func close() {
        if descriptor >= 0 {
            _ = Glibc.close(descriptor)
            descriptor = -1
        }
    }

    func connect(to address: SocketAddress) throws(SocketError) {
        let status = address.withSockaddr { Glibc.connect(descriptor, $0, $1) }
        guard status == 0 else { throw SocketError.last("connect", detail: "to \(address.text)") }
    }

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

    func setOption(_ level: Int32, _ name: Int32, _ value: Int32) throws(SocketError) {
        var value = value
        guard setsockopt(descriptor, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0 else {
            throw SocketError.last("setsockopt")
        }
    }

    /// Bounds blocking sends (and, on Linux, connects) to `timeout`.
    func setSendTimeout(_ timeout: Duration) throws(SocketError) {
        try setTimeout(SO_SNDTIMEO, timeout)
    }

    private func setTimeout(_ option: Int32, _ timeout: Duration) throws(SocketError) {
        let (seconds, attoseconds) = timeout.components
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        if value.tv_sec == 0, value.tv_usec == 0 { value.tv_usec = 1 }
        guard setsockopt(descriptor, SOL_SOCKET, option, &value, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
            throw SocketError.last("setsockopt")
        }
    }
}
