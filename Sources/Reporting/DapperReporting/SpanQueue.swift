import Dapper

/// The bounded queue between the threads that finish spans and a ``BatchingReporter``'s
/// export thread.
///
/// A ring of finished spans behind one pthread mutex: pushing moves the span in (no encoding,
/// no allocation), and the writer takes a whole batch per lock. The caller never waits for
/// room: a full queue refuses the span and the reporter counts it. The queue is bounded by a
/// count and, when the exporter estimates sizes, by bytes; a take is bounded the same way.
///
/// Waking a thread costs the waker a system call and the sleeper a context switch, so the
/// writer sleeps in two ways. Right after the queue runs dry it naps for at most a
/// millisecond, and producers wake it only once a batch worth of spans is waiting; after a
/// few empty naps it sleeps until the next span. A busy process so pays about one wake-up per
/// batch, not one per span, and an idle one none.
package final class SpanQueue: @unchecked Sendable {
    // @unchecked: every stored var is read and written only while `lock` is held.
    private let lock = ConditionLock()
    /// The ring: `allocated` slots, grown (doubling) up to `capacity` as the queue fills, so
    /// that a large capacity costs memory only when spans actually wait.
    private var storage: UnsafeMutablePointer<FinishedSpan>
    /// The estimated size of each queued span, in the same slots as `storage`.
    private var sizes: UnsafeMutablePointer<Int>
    private var allocated: Int
    /// Spans the queue holds at most.
    package let capacity: Int
    /// Estimated bytes the queue holds at most.
    package let byteLimit: Int
    private var queuedBytes = 0
    /// Slots allocated up front: the default capacities of the reporters fit, so their queues
    /// never allocate while spans flow.
    private static let initialSlots = 16_384
    private var head = 0
    private var count = 0
    /// The writer sleeps until woken (after a few empty naps).
    private var writerSleeps = false
    /// The writer naps for at most `napNanos`; wake it only for a batch.
    private var writerNaps = false
    private var emptyNaps = 0
    private static let napNanos: UInt64 = 1_000_000
    private static let napsBeforeSleep = 4
    private static let wakeBatch = 64
    private var isClosed = false
    /// Spans accepted into the queue since creation; the writer's progress is measured
    /// against it by flushes.
    private var accepted = 0
    /// Spans the writer has finished with (delivered or dropped), plus those removed by
    /// ``removeAll()``.
    private var finished = 0
    private var writerExited = false
    /// Flushes asked for, and the last one the writer was told of: a flush wakes the writer
    /// so that it sends a batch it is still filling.
    private var flushRequests = 0
    private var flushesHandled = 0

    package enum PushResult {
        case queued
        case full
        case closed
    }

    /// Set when a close ran out of time: the writer stops retrying.
    private var abandoned = false

    /// Creates a queue of at most `capacity` spans (at least 1) and `byteLimit` estimated
    /// bytes; the reporter checks its configuration before it makes one.
    package init(capacity: Int, byteLimit: Int = .max) {
        self.capacity = max(1, capacity)
        self.byteLimit = max(1, byteLimit)
        allocated = min(self.capacity, Self.initialSlots)
        storage = .allocate(capacity: allocated)
        sizes = .allocate(capacity: allocated)
    }

    deinit {
        lock.lock()
        discardLocked()
        lock.unlock()
        storage.deallocate()
        sizes.deallocate()
    }

    /// Queues `span`, whose estimated encoded size is `size` bytes (0 when the reporter
    /// bounds no bytes).
    package func push(_ span: FinishedSpan, size: Int = 0) -> PushResult {
        lock.lock()
        defer { lock.unlock() }
        if isClosed { return .closed }
        // queuedBytes never exceeds byteLimit, so the subtraction cannot overflow.
        if size > byteLimit - queuedBytes { return .full }
        if count == allocated {
            if allocated == capacity { return .full }
            growLocked()
        }
        let slot = (head + count) % allocated
        (storage + slot).initialize(to: span)
        sizes[slot] = size
        queuedBytes += size
        count += 1
        accepted += 1
        if writerSleeps || (writerNaps && count >= Self.wakeBatch) {
            writerSleeps = false
            writerNaps = false
            lock.signal()
        }
        return .queued
    }

    /// What ``take(into:maximum:byteBudget:deadline:)`` got.
    package struct Taken {
        /// Spans moved into the batch.
        package var count: Int
        /// Their estimated bytes.
        package var bytes: Int
        /// The next span would not fit the byte budget: the batch is full.
        package var reachedByteBudget: Bool
        /// The queue is closed: once it is empty, the writer is done.
        package var closed: Bool
        /// A flush was asked for since the last take: send what is pending now.
        package var flushRequested: Bool
    }

    /// Moves up to `maximum` spans into `batch`, sleeping while the queue is empty (until
    /// `deadline`, monotonic nanoseconds, when given, or until a flush is asked for).
    ///
    /// The spans moved weigh at most `byteBudget` estimated bytes, except that the first one
    /// is always moved when `budgetMayBeExceededOnce` (an empty batch): a span larger than a
    /// whole batch is the exporter's to drop as oversize, not the queue's to keep forever.
    package func take(
        into batch: UnsafeMutablePointer<FinishedSpan>, maximum: Int, byteBudget: Int = .max,
        budgetMayBeExceededOnce: Bool = true, deadline: UInt64?
    ) -> Taken {
        lock.lock()
        defer { lock.unlock() }
        while count == 0, !isClosed, flushRequests == flushesHandled {
            if let deadline, monotonicNanos() >= deadline {
                return Taken(count: 0, bytes: 0, reachedByteBudget: false, closed: false, flushRequested: false)
            }
            if emptyNaps < Self.napsBeforeSleep {
                emptyNaps += 1
                writerNaps = true
                let nap = monotonicNanos() + Self.napNanos
                lock.wait(untilNanos: deadline.map { min($0, nap) } ?? nap)
                writerNaps = false
            } else {
                writerSleeps = true
                lock.wait(untilNanos: deadline)
                writerSleeps = false
            }
        }
        emptyNaps = 0
        var moved = min(count, maximum)
        var bytes = 0
        var reachedByteBudget = false
        for index in 0..<moved {
            let size = sizes[(head + index) % allocated]
            if size > byteBudget - bytes, !(index == 0 && budgetMayBeExceededOnce) {
                moved = index
                reachedByteBudget = true
                break
            }
            bytes += size
        }
        queuedBytes -= bytes
        var index = 0
        while index < moved {
            // Contiguous runs of the ring move with one call.
            let start = (head + index) % allocated
            let run = min(moved - index, allocated - start)
            (batch + index).moveInitialize(from: storage + start, count: run)
            index += run
        }
        head = (head + moved) % allocated
        count -= moved
        let flushRequested = flushRequests != flushesHandled
        flushesHandled = flushRequests
        return Taken(
            count: moved, bytes: bytes, reachedByteBudget: reachedByteBudget, closed: isClosed,
            flushRequested: flushRequested)
    }

    /// Asks the writer to send what it holds now rather than when its batch is full.
    package func requestFlush() {
        lock.lock()
        flushRequests += 1
        lock.signal()
        lock.unlock()
    }

    /// The writer finished with `count` spans it took.
    package func finished(_ count: Int) {
        lock.lock()
        finished += count
        lock.unlock()
    }

    /// The writer thread has returned.
    package func writerDidExit() {
        lock.lock()
        writerExited = true
        lock.unlock()
    }

    /// Refuses later pushes and wakes the writer so that it drains the queue and exits.
    package func close() {
        lock.lock()
        isClosed = true
        lock.signal()
        lock.unlock()
    }

    /// A close ran out of time: the writer is told to stop retrying and woken from a wait
    /// between tries.
    package func abandon() {
        lock.lock()
        abandoned = true
        lock.signal()
        lock.unlock()
    }

    /// Whether a close ran out of time.
    package var isAbandoned: Bool {
        lock.lock()
        defer { lock.unlock() }
        return abandoned
    }

    /// The writer waits before trying again: until `deadline` (monotonic nanoseconds) or until
    /// a close runs out of time. Returns false when it did.
    package func waitBeforeRetry(untilNanos deadline: UInt64) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        while !abandoned, monotonicNanos() < deadline {
            lock.wait(untilNanos: deadline)
        }
        return !abandoned
    }

    /// Removes every queued span, for a close whose deadline passed. Returns how many.
    package func removeAll() -> Int {
        lock.lock()
        defer { lock.unlock() }
        let removed = count
        discardLocked()
        finished += removed
        return removed
    }

    /// Doubles the ring (up to `capacity`), moving the queued spans to its start.
    private func growLocked() {
        let larger = min(capacity, allocated * 2)
        let moved = UnsafeMutablePointer<FinishedSpan>.allocate(capacity: larger)
        let movedSizes = UnsafeMutablePointer<Int>.allocate(capacity: larger)
        let firstRun = min(count, allocated - head)
        moved.moveInitialize(from: storage + head, count: firstRun)
        (moved + firstRun).moveInitialize(from: storage, count: count - firstRun)
        movedSizes.initialize(from: sizes + head, count: firstRun)
        (movedSizes + firstRun).initialize(from: sizes, count: count - firstRun)
        storage.deallocate()
        sizes.deallocate()
        storage = moved
        sizes = movedSizes
        allocated = larger
        head = 0
    }

    private func discardLocked() {
        var index = 0
        while index < count {
            let start = (head + index) % allocated
            let run = min(count - index, allocated - start)
            (storage + start).deinitialize(count: run)
            index += run
        }
        head = 0
        count = 0
        queuedBytes = 0
    }

    /// How far the writer is: spans accepted so far, spans finished with, whether it exited.
    package var progress: (accepted: Int, finished: Int, writerExited: Bool) {
        lock.lock()
        defer { lock.unlock() }
        return (accepted, finished, writerExited)
    }

    /// Waits (``DeadlineWait``) until the writer has finished with the first `target`
    /// accepted spans, or has exited, or `deadline` passes; returns how many of them it has
    /// not finished with.
    package func waitUntilFinished(_ target: Int, deadline: ContinuousClock.Instant) async -> Int {
        await DeadlineWait.until(deadline) {
            let progress = self.progress
            return progress.finished >= target || progress.writerExited
        }
        return max(0, target - progress.finished)
    }

    /// Waits (``DeadlineWait``) until the writer has exited or `deadline` passes; returns
    /// whether it exited.
    package func waitUntilWriterExits(deadline: ContinuousClock.Instant) async -> Bool {
        await DeadlineWait.until(deadline) { self.progress.writerExited }
        return progress.writerExited
    }

    /// Slots of the ring allocated now: they grow with the spans waiting, up to ``capacity``.
    package var allocatedSlots: Int {
        lock.lock()
        defer { lock.unlock() }
        return allocated
    }

    /// Spans waiting in the queue.
    package var queuedCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }

    /// Estimated bytes of the spans waiting in the queue.
    package var queuedByteCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return queuedBytes
    }
}
