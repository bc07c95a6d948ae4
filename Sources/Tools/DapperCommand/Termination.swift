#if Command  // a package trait, on by default (README, "Installation")
import Dapper
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The signal that asked the process to stop, 0 until one arrives.
private let receivedSignal = Atomic<Int32>(0)

/// Why the agent stops.
enum Termination: String {
    case interrupt = "SIGINT"
    case terminate = "SIGTERM"
    case parentExited = "parent exited"

    /// The environment variable that makes the agent stop when the process that started it
    /// is gone (its parent changes), so that a test runner that crashes or is killed leaves no
    /// agent behind. Set to `1`. Not a flag: it is for harnesses, not for people.
    static let exitWithParentVariable = "DAPPER_EXIT_WITH_PARENT"

    /// Installs the SIGINT and SIGTERM handlers. The handler only stores the number (all a
    /// signal handler may safely do).
    static func prepare() {
        for number in [SIGINT, SIGTERM] {
            signal(number, { number in receivedSignal.store(number, ordering: .relaxed) })
        }
    }

    /// Waits for SIGINT or SIGTERM, or for the parent to go when `parent` is given; call
    /// ``prepare()`` first.
    ///
    /// A thread of its own looks at the signal number, and at the parent's pid, every 50 ms,
    /// sleeping in `nanosleep`. Not `Task.sleep`: its timers need descriptors, and once peers
    /// have taken every descriptor the runtime cannot make one and traps, so that a SIGTERM
    /// would crash the agent instead of stopping it. The parent is watched by pid rather than
    /// with `PR_SET_PDEATHSIG`, which fires when the thread that started the process ends, not
    /// the process: a test runner's worker threads come and go. `tick` runs at every look, on
    /// that thread.
    ///
    /// - Throws: ``Dapper/ThreadStartError`` when the system refuses the thread.
    static func wait(parent: pid_t?, tick: @escaping @Sendable () -> Void = {}) async throws(ThreadStartError) -> Termination {
        let result: Result<Termination, ThreadStartError> = await withCheckedContinuation { continuation in
            do throws(ThreadStartError) {
                try startThread {
                    continuation.resume(returning: .success(watch(parent: parent, tick: tick)))
                }
            } catch {
                continuation.resume(returning: .failure(error))
            }
        }
        return try result.get()
    }

    private static func watch(parent: pid_t?, tick: () -> Void) -> Termination {
        while true {
            switch receivedSignal.load(ordering: .relaxed) {
            case SIGINT: return .interrupt
            case SIGTERM: return .terminate
            default:
                if let parent, getppid() != parent { return .parentExited }
                tick()
                var interval = timespec(tv_sec: 0, tv_nsec: 50_000_000)
                var remaining = timespec()
                while nanosleep(&interval, &remaining) != 0, errno == EINTR { interval = remaining }
            }
        }
    }
}
#endif
