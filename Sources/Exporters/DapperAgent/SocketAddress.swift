#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

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
