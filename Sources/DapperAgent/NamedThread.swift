import CDapperSocket
import Dapper

/// Starts a thread of its own named `name` (at most 15 characters show), for `top -H` and
/// debuggers.
func startThread(name: String, _ body: @escaping @Sendable () -> Void) {
    Dapper.startThread {
        dapper_set_thread_name(name)
        body()
    }
}
