#if Command  // a package trait, on by default (README, "Installation")
import Dapper

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Writes whole lines to a descriptor from a thread of its own, out of a bounded queue, so
/// that a slow, stalled or closed reader never holds up the caller: span intake and shutdown
/// go on whatever standard output does.
///
/// Every line handed over is either written or counted as not written: dropped because the
/// queue was full, because the reader went away (`EPIPE`; SIGPIPE must be ignored), or because
/// it was still queued when ``close(timeout:)`` gave up waiting.
final class LineWriter: @unchecked Sendable {
    // @unchecked: `state` is only touched with `lock` held; the rest never changes.
    /// Lines written and lines given up on.
    struct Counts: Sendable {
        var written = 0
        var notWritten = 0
    }

    private struct State {
        var queue: [[UInt8]] = []
        var queuedBytes = 0
        /// Lines the writer took from the queue and has not finished writing.
        var inFlight = 0
        var counts = Counts()
        /// The reader went away: nothing more can be written.
        var broken = false
        /// `close` has counted what was left; the counts are final.
        var closed = false
    }

    private let descriptor: Int32
    private let maximumLines: Int
    private let maximumBytes: Int
    private let lock = ConditionLock()
    private let state: UnsafeMutablePointer<State>

    /// Starts the writing thread.
    ///
    /// - Throws: ``Dapper/ThreadStartError`` when the system refuses a thread.
    init(descriptor: Int32, maximumLines: Int = 65_536, maximumBytes: Int = 16 << 20) throws(ThreadStartError) {
        self.descriptor = descriptor
        self.maximumLines = maximumLines
        self.maximumBytes = maximumBytes
        state = .allocate(capacity: 1)
        state.initialize(to: State())
        try Dapper.startThread { [self] in run() }
    }

    deinit {
        state.deinitialize(count: 1)
        state.deallocate()
    }

    /// Queues `line` (a newline is added) without waiting; counts it as not written when the
    /// queue is full or the reader is gone.
    func write(_ line: [UInt8]) {
        var line = line
        line.append(UInt8(ascii: "\n"))
        withState { state in
            guard !state.closed, !state.broken, state.queue.count < maximumLines,
                state.queuedBytes + line.count <= maximumBytes
            else {
                if !state.closed { state.counts.notWritten += 1 }
                return
            }
            state.queuedBytes += line.count
            state.queue.append(line)
            lock.signal()
        }
    }

    /// Queues a line of text.
    func write(_ text: String) { write(Array(text.utf8)) }

    /// Waits at most `timeout` for the queue to be written, then counts whatever is left as
    /// not written and stops; later lines are ignored. Returns the final counts.
    func close(timeout: Duration) -> Counts {
        let deadline = monotonicNanos() + timeout.clampedNanos
        lock.lock()
        defer { lock.unlock() }
        while !state.pointee.closed, !state.pointee.broken, state.pointee.queue.count + state.pointee.inFlight > 0,
            monotonicNanos() < deadline
        {
            lock.wait(untilNanos: deadline)
        }
        if !state.pointee.closed {
            state.pointee.counts.notWritten += state.pointee.queue.count + state.pointee.inFlight
            state.pointee.queue = []
            state.pointee.inFlight = 0
            state.pointee.closed = true
            lock.broadcast()
        }
        return state.pointee.counts
    }

    /// The counts so far.
    var counts: Counts { withState { $0.counts } }

    private func withState<Result>(_ body: (inout State) -> Result) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return body(&state.pointee)
    }

    private func run() {
        while true {
            lock.lock()
            while state.pointee.queue.isEmpty, !state.pointee.closed {
                lock.wait(untilNanos: nil)
            }
            if state.pointee.closed {
                lock.unlock()
                return
            }
            let batch = state.pointee.queue
            state.pointee.queue = []
            state.pointee.queuedBytes = 0
            state.pointee.inFlight = batch.count
            lock.unlock()
            for line in batch {
                let written = writeAll(line)
                let stop: Bool = withState { state in
                    // After close the counts are final: close counted this line already.
                    guard !state.closed else { return true }
                    state.inFlight -= 1
                    if written {
                        state.counts.written += 1
                        return false
                    }
                    state.broken = true
                    state.counts.notWritten += 1 + state.inFlight + state.queue.count
                    state.inFlight = 0
                    state.queue = []
                    lock.broadcast()
                    return true
                }
                if stop { return }
            }
            withState { _ in lock.broadcast() }
        }
    }

    /// Writes all of `bytes`; false when the descriptor refuses (the reader went away).
    private func writeAll(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                guard let base = raw.baseAddress else { return true }
                let result = Glibc.write(descriptor, base + offset, raw.count - offset)
                if result > 0 {
                    offset += result
                } else if result < 0, errno == EINTR {
                    continue
                } else if result < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                    // Someone made the descriptor non-blocking: wait until it can take more.
                    var entry = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&entry, 1, 100)
                    if withState({ $0.closed }) { return false }
                } else {
                    return false
                }
            }
            return true
        }
    }
}
#endif
