import Synchronization

/// Recycles span storage so that starting and finishing a span allocates nothing.
///
/// Two tiers, as in allocators built for many threads: each thread keeps a small magazine of
/// storages that it takes from and returns to without any lock; only when a magazine is empty
/// or full does the thread exchange half a magazine with the shared depot, under a lock. A
/// span finished on another thread than the one that started it simply lands in that thread's
/// magazine.
///
/// Memory goes back when demand falls: a magazine holds at most ``magazineCapacity`` storages,
/// the depot at most ``depotCapacity`` (beyond that they are freed at once), and once a second at
/// most the depot frees the storages that nobody took from it since the last time. A recycled
/// storage also drops tag and log arrays that grew beyond a typical span's needs.
final class SpanPool: Sendable {
    /// The pool every tracer in the process shares.
    static let shared = SpanPool()

    static let magazineCapacity = 64
    static let depotCapacity = 1024

    private struct Depot {
        var storages: [SpanStorage] = []
        /// The fewest storages the depot held since the last trim: those were not needed.
        var lowWater = 0
        var lastTrimSecond: Int64 = 0
    }

    private let depot = Mutex(Depot())

    /// A storage for a new span: from this thread's magazine, else the depot, else new.
    @inline(__always)
    func take() -> SpanStorage {
        let local = ThreadLocalState.current
        if let storage = local.magazine.popLast() { return storage }
        return refill(&local.magazine)
    }

    /// Gives back the storage of a finished span.
    @inline(__always)
    func recycle(_ storage: SpanStorage) {
        let local = ThreadLocalState.current
        if local.magazine.count < Self.magazineCapacity {
            local.magazine.append(storage)
            return
        }
        spill(&local.magazine, storage)
    }

    /// The number of storages in the depot (for tests and diagnostics).
    var depotCount: Int { depot.withLock { $0.storages.count } }

    @inline(never)
    private func refill(_ magazine: inout [SpanStorage]) -> SpanStorage {
        let wanted = Self.magazineCapacity / 2
        depot.withLock { depot in
            let moved = min(wanted, depot.storages.count)
            magazine.append(contentsOf: depot.storages.suffix(moved))
            depot.storages.removeLast(moved)
            depot.lowWater = min(depot.lowWater, depot.storages.count)
            trimIfDue(&depot)
        }
        return magazine.popLast() ?? SpanStorage()
    }

    @inline(never)
    private func spill(_ magazine: inout [SpanStorage], _ storage: SpanStorage) {
        let moved = Self.magazineCapacity / 2
        depot.withLock { depot in
            let room = max(0, Self.depotCapacity - depot.storages.count)
            depot.storages.append(contentsOf: magazine.suffix(min(moved, room)))
            trimIfDue(&depot)
        }
        // What did not fit in the depot is freed here, outside the lock.
        magazine.removeLast(moved)
        magazine.append(storage)
    }

    /// Moves a magazine into the depot (when its thread exits).
    func returnMagazine(_ magazine: inout [SpanStorage]) {
        depot.withLock { depot in
            let room = max(0, Self.depotCapacity - depot.storages.count)
            depot.storages.append(contentsOf: magazine.prefix(room))
        }
        magazine.removeAll()
    }

    private func trimIfDue(_ depot: inout Depot) {
        let second = SpanClock.coarseUnixSeconds()
        guard second != depot.lastTrimSecond else { return }
        depot.storages.removeFirst(min(depot.lowWater, depot.storages.count))
        depot.lastTrimSecond = second
        depot.lowWater = depot.storages.count
    }
}
