#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

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

/// ``startThread(_:)`` for a thread named `name` (at most 15 bytes show), for `top -H` and
/// debuggers: the reporters' writers, the collector's listener.
///
/// - Throws: ``ThreadStartError`` when the system refuses a thread; `body` is then not run.
package func startThread(name: String, _ body: @escaping @Sendable () -> Void) throws(ThreadStartError) {
    try startThread {
        nameCurrentThread(name)
        body()
    }
}

private func nameCurrentThread(_ name: String) {
    let name = String(decoding: name.utf8.prefix(15), as: UTF8.self)
    #if canImport(Darwin)
    _ = pthread_setname_np(name)
    #else
    // pthread_setname_np needs _GNU_SOURCE, which Swift's Glibc module lacks; the kernel's
    // own file for the thread's name does the same. A name is a nicety: without a descriptor
    // to spare, the thread keeps its parent's.
    let file = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
    guard file >= 0 else { return }
    defer { close(file) }
    var bytes = Array(name.utf8)
    bytes.append(UInt8(ascii: "\n"))
    _ = bytes.withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
    #endif
}
