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
    public init(code: Int32) { self.code = code }

    public var description: String { "cannot start a thread: \(String(cString: strerror(code)))" }
}

/// Starts a detached thread of its own, not one of Swift's cooperative pool: reporters' writers
/// block in socket calls, which must stay off that pool.
///
/// - Throws: ``ThreadStartError`` when the system refuses a thread; `body` is then not run.
package func startThread(_ body: @escaping @Sendable () -> Void) throws(ThreadStartError) {
    final class Box: Sendable {
        let body: @Sendable () -> Void
        init(body: @escaping @Sendable () -> Void) { self.body = body }
    }
    let box = Unmanaged.passRetained(Box(body: body))
    var thread = pthread_t()
    let status = pthread_create(&thread, nil, { context in
        guard let context else { return nil }
        let box = Unmanaged<Box>.fromOpaque(context).takeRetainedValue()
        box.body()
        return nil
    }, box.toOpaque())
    guard status == 0 else {
        box.release()
        throw ThreadStartError(code: status)
    }
    pthread_detach(thread)
}
