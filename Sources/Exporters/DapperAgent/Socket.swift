#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// An owned socket descriptor: closed exactly once, by ``close()`` or on deinit. The
/// reporter's connection and the collector's listener (whose binding and listening calls are
/// its own, in DapperCollector) share it.
package final class Socket {
    package private(set) var descriptor: Int32

    package init(family: Int32, type: Int32) throws(SocketError) {
        descriptor = socket(family, type | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError.last("socket") }
    }

    package init(adopting descriptor: Int32) { self.descriptor = descriptor }

    deinit { close() }

    package func close() {
        if descriptor >= 0 {
            _ = Glibc.close(descriptor)
            descriptor = -1
        }
    }

    package func connect(to address: SocketAddress) throws(SocketError) {
        let status = address.withSockaddr { Glibc.connect(descriptor, $0, $1) }
        guard status == 0 else { throw SocketError.last("connect", detail: "to \(address.text)") }
    }

    package func setOption(_ level: Int32, _ name: Int32, _ value: Int32) throws(SocketError) {
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
