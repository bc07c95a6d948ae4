import Dispatch
import Foundation

/// A fixed number of threads that run the same body together, once per ``run(iterationsPerThread:_:)``,
/// and wait between runs: a measurement then times the work on that many threads, not the
/// creation of threads, and unlike `concurrentPerform` the count is not capped at the number
/// of cores (4 threads on 2 cores show what oversubscription does).
final class ParallelRunner: @unchecked Sendable {
    // @unchecked: `body` and `iterations` are written by `run` before it signals the threads'
    // semaphores and read by the threads only between that signal and their own `done`
    // signal, which `run` waits for; `stopping` likewise, by `stop`.
    let threadCount: Int
    private let go: [DispatchSemaphore]
    private let done = DispatchSemaphore(value: 0)
    private var body: (@Sendable (Int) -> Void)?
    private var iterations = 0
    private var stopping = false

    init(threads: Int) {
        threadCount = threads
        go = (0..<threads).map { _ in DispatchSemaphore(value: 0) }
        for index in 0..<threads {
            let thread = Thread { [self] in
                while true {
                    go[index].wait()
                    if stopping {
                        done.signal()
                        return
                    }
                    body?(iterations)
                    done.signal()
                }
            }
            thread.start()
        }
    }

    /// Runs `body(iterationsPerThread)` on every thread at once; returns when all are done.
    func run(iterationsPerThread: Int, _ body: @escaping @Sendable (Int) -> Void) {
        self.body = body
        iterations = iterationsPerThread
        for semaphore in go { semaphore.signal() }
        for _ in 0..<threadCount { done.wait() }
        self.body = nil
    }

    /// Ends the threads.
    func stop() {
        stopping = true
        for semaphore in go { semaphore.signal() }
        for _ in 0..<threadCount { done.wait() }
    }
}
