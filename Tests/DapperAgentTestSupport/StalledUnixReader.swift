import Foundation

/// A unixgram socket that is bound but never read: its receive queue fills and senders block.
package final class StalledUnixReader {
    private(set) var descriptor: Int32
    package let path: String

    package init(path: String) throws {
        self.path = path
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8) + [0])
        }
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard status == 0 else { throw POSIXError(.EADDRINUSE) }
    }

    /// Closes the socket and leaves its file behind, as a process that died would. Closing
    /// once only matters: a second close could end a descriptor another test has been given
    /// since, such as an HTTP client's connection.
    package func closeLeavingTheFile() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    deinit {
        closeLeavingTheFile()
        unlink(path)
    }
}
