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
    package init(_ operation: String, code: Int32, detail: String = "") {
        self.operation = operation
        self.code = code
        self.detail = detail
    }

    package static func last(_ operation: String, detail: String = "") -> SocketError {
        SocketError(operation, code: errno, detail: detail)
    }

    public var description: String {
        let reason = code == 0 ? "" : ": " + String(cString: strerror(code))
        return detail.isEmpty ? "\(operation) failed\(reason)" : "\(operation) \(detail) failed\(reason)"
    }
}
