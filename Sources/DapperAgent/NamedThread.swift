import CDapperSocket
import Dapper

/// Starts a thread of its own named `name` (at most 15 characters show), for `top -H` and
/// debuggers.
///
/// - Throws: ``Dapper/ThreadStartError`` when the system refuses a thread.
func startThread(name: String, _ body: @escaping @Sendable () -> Void) throws(ThreadStartError) {
    try Dapper.startThread {
        dapper_set_thread_name(name)
        body()
    }
}
