#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A failed system call on a socket, with its `errno`.
public struct SocketError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The call that failed, for example `connect`.
    public var operation: String
    /// The `errno` it set (0 when the failure was not a system call's, e.g. name resolution).
    public var code: Int32
    /// Extra context: the address, or the resolver's message.
    public var detail: String

    /// Creates an error.
    public init(_ operation: String, code: Int32, detail: String = "") {
        self.operation = operation
        self.code = code
        self.detail = detail
    }

    static func last(_ operation: String, detail: String = "") -> SocketError {
        SocketError(operation, code: errno, detail: detail)
    }

    public var description: String {
        let reason = code == 0 ? "" : ": " + String(cString: strerror(code))
        return detail.isEmpty ? "\(operation) failed\(reason)" : "\(operation) \(detail) failed\(reason)"
    }
}

/// A socket address for one of the agent's networks.
struct SocketAddress: @unchecked Sendable {
    // @unchecked: sockaddr_storage is plain bytes without references; Swift only lacks the
    // Sendable annotation on the imported C struct.
    var storage = sockaddr_storage()
    var length: socklen_t = 0

    var family: Int32 { Int32(storage.ss_family) }

    /// A Unix socket path; `nil` when it does not fit in `sun_path`.
    static func unix(path: String) -> SocketAddress? {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard !bytes.isEmpty, bytes.count < capacity else { return nil }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        var result = SocketAddress()
        withUnsafeBytes(of: address) { source in
            withUnsafeMutableBytes(of: &result.storage) { $0.copyBytes(from: source) }
        }
        result.length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count + 1)
        return result
    }

    /// Resolves `host:port` (IPv6 as `[host]:port`) for a datagram or stream socket.
    static func resolve(_ hostAndPort: String, type: Int32) throws(SocketError) -> SocketAddress {
        guard let (parsedHost, port) = splitHostPort(hostAndPort) else {
            throw SocketError("resolve", code: 0, detail: "\"\(hostAndPort)\": expected host:port")
        }
        // No host: this machine only, never every interface.
        let host = parsedHost.isEmpty ? "127.0.0.1" : parsedHost
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = type
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, port, &hints, &list)
        guard status == 0, let first = list else {
            let message = status == 0 ? "no address" : String(cString: gai_strerror(status))
            throw SocketError("resolve", code: 0, detail: "\"\(hostAndPort)\" (\(message))")
        }
        defer { freeaddrinfo(list) }
        // Prefer IPv4: "localhost" then means 127.0.0.1, which is what listeners bind by default.
        var chosen = first
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            if entry.pointee.ai_family == AF_INET { chosen = entry; break }
            cursor = entry.pointee.ai_next
        }
        var result = SocketAddress()
        withUnsafeMutableBytes(of: &result.storage) { destination in
            destination.copyMemory(
                from: UnsafeRawBufferPointer(start: chosen.pointee.ai_addr, count: Int(chosen.pointee.ai_addrlen)))
        }
        result.length = chosen.pointee.ai_addrlen
        return result
    }

    /// The port of an IPv4 or IPv6 address.
    var port: Int {
        withUnsafeBytes(of: storage) { raw in
            switch family {
            case AF_INET: Int(UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port))
            case AF_INET6: Int(UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port))
            default: 0
            }
        }
    }

    /// `host:port` text of an IPv4 or IPv6 address, the path of a Unix one.
    var text: String {
        withUnsafeBytes(of: storage) { raw -> String in
            switch family {
            case AF_INET:
                var address = raw.load(as: sockaddr_in.self).sin_addr
                var buffer = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
                inet_ntop(AF_INET, &address, &buffer, socklen_t(buffer.count))
                return "\(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)):\(port)"
            case AF_INET6:
                var address = raw.load(as: sockaddr_in6.self).sin6_addr
                var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
                inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count))
                return "[\(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))]:\(port)"
            case AF_UNIX:
                let path = raw.load(as: sockaddr_un.self)
                return withUnsafeBytes(of: path.sun_path) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            default:
                return "?"
            }
        }
    }

    func withSockaddr<Result>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
        withUnsafeBytes(of: storage) { raw in
            body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), length)
        }
    }
}

/// Splits `host:port` or `[v6]:port`.
func splitHostPort(_ text: String) -> (host: String, port: String)? {
    if text.hasPrefix("[") {
        guard let close = text.firstIndex(of: "]") else { return nil }
        let host = String(text[text.index(after: text.startIndex)..<close])
        let rest = text[text.index(after: close)...]
        guard rest.hasPrefix(":") else { return nil }
        return (host, String(rest.dropFirst()))
    }
    guard let colon = text.lastIndex(of: ":") else { return nil }
    return (String(text[..<colon]), String(text[text.index(after: colon)...]))
}

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
