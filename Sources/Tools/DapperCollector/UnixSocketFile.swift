import DapperAgent

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Binds a Unix datagram socket at a path so that the file has its final mode from the moment
/// it appears there, whatever the umask, and no link is ever followed.
///
/// `bind` makes the file with the socket's inode mode less the umask, so the mode is first
/// narrowed on the descriptor (`fchmod` before `bind`: never wider than asked, even under
/// `umask 000`). The file is made in a fresh 0700 directory beside the path, where nobody
/// else can reach or replace it; there `chmod` adds back the bits the umask took, and `rename`
/// moves it into place atomically (`rename` replaces a link at the path, never follows it).
/// The umask itself is not touched: it is per process, and other threads may be making files.
enum UnixSocketFile {
    /// The largest mode accepted: permission bits only, no set-id or sticky bits.
    static let maximumMode: UInt32 = 0o777

    static func bind(_ socket: Socket, path: String, mode: UInt32) throws(SocketError) {
        guard mode <= maximumMode else {
            throw SocketError("bind", code: EINVAL, detail: "to \(path) with mode 0\(String(mode, radix: 8)) (allowed: 0 to 0777)")
        }
        guard SocketAddress.unix(path: path) != nil else {
            throw SocketError("bind", code: ENAMETOOLONG, detail: "to \(path)")
        }
        guard fchmod(socket.descriptor, mode_t(mode)) == 0 else { throw SocketError.last("fchmod", detail: path) }
        let slash = path.lastIndex(of: "/")
        let parent = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        var template = Array("\(parent)/.dapper-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.map { mkdtemp($0) != nil } ?? false
        }
        guard made else { throw SocketError.last("bind", detail: "to \(path) (cannot make a directory beside it)") }
        let directory = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let privatePath = directory + "/s"
        defer { rmdir(directory) }
        guard let address = SocketAddress.unix(path: privatePath) else {
            throw SocketError("bind", code: ENAMETOOLONG, detail: "to \(privatePath) (the path of the file while it is made)")
        }
        do {
            try socket.bind(to: address)
        } catch {
            // The private path means nothing to the user: name the path they asked for.
            throw SocketError("bind", code: error.code, detail: "to \(path)")
        }
        guard chmod(privatePath, mode_t(mode)) == 0, rename(privatePath, path) == 0 else {
            let error = SocketError.last("bind", detail: "to \(path)")
            unlink(privatePath)
            throw error
        }
    }
}
