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

    /// Installs the SIGINT and SIGTERM handlers, and makes the runtime set up the timer that
    /// ``wait(parent:)`` sleeps on: the timer needs a descriptor, and once peers have taken
    /// every descriptor there would be none left for it.
    ///
    /// The handler only stores the number (all a signal handler may safely do).
    static func prepare() async {
        for number in [SIGINT, SIGTERM] {
            signal(number, { number in receivedSignal.store(number, ordering: .relaxed) })
        }
        try? await Task.sleep(for: .milliseconds(1))
    }

    /// Waits for SIGINT or SIGTERM, or for the parent to go when `parent` is given; call
    /// ``prepare()`` first.
    ///
    /// The wait looks at the signal number, and at the parent's pid, every 50 ms. The parent
    /// is watched by pid rather than with `PR_SET_PDEATHSIG`, which fires when the thread that
    /// started the process ends, not the process: a test runner's worker threads come and go.
    /// `tick` runs at every look.
    static func wait(parent: pid_t?, tick: () -> Void = {}) async -> Termination {
        while true {
            switch receivedSignal.load(ordering: .relaxed) {
            case SIGINT: return .interrupt
            case SIGTERM: return .terminate
            default:
                if let parent, getppid() != parent { return .parentExited }
                tick()
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
    }
}
