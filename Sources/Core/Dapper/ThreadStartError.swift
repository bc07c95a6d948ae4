#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A thread could not be made: the process or the system is out of threads or memory.
public struct ThreadStartError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The error `pthread_create` returned (`EAGAIN` when out of threads).
    public var code: Int32

    /// Creates an error for a `pthread_create` result.
    package init(code: Int32) { self.code = code }

    public var description: String { "cannot start a thread: \(String(cString: strerror(code)))" }
}
