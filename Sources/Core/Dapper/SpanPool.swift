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

    private let depot = LockedValue(Depot())

    /// A storage for a new span: from this thread's magazine, else the depot, else new.
    ///
    /// A storage that a handle still references (a `DapperSpan` kept after its `finish`, or a
    /// swift-distributed-tracing context that outlived its span) is not reused but let go: the
    /// handle keeps it alive, so the finished span's identifiers stay readable through it
    /// (`DapperSpan.contextEvenIfFinished`) and a stale handle never shares storage with a live span.
    @inline(__always)
    static func take() -> SpanStorage {
        let local = ThreadLocalState.current
        while true {
            var count = local.pointee.magazineCount
            while count > 0 {
                count -= 1
                local.pointee.magazineCount = count
                var storage = local.pointee.magazine[count].takeRetainedValue()
                if isKnownUniquelyReferenced(&storage) { return storage }
            }
            guard shared.refill(local) else { return SpanStorage() }
        }
    }

    /// Gives back the storage of a finished span.
    @inline(__always)
    static func recycle(_ storage: consuming SpanStorage) {
        let local = ThreadLocalState.current
        let count = local.pointee.magazineCount
        if count < Self.magazineCapacity {
            local.pointee.magazine[count] = Unmanaged.passRetained(storage)
            local.pointee.magazineCount = count + 1
            return
        }
        shared.spill(local, storage)
    }

    /// The number of storages in the depot (for tests and diagnostics).
    var depotCount: Int { depot.withLock { $0.storages.count } }

    /// Moves up to half a magazine of storages from the depot into the (empty) magazine;
    /// `false` if the depot had none.
    @inline(never)
    private func refill(_ local: UnsafeMutablePointer<ThreadLocalState>) -> Bool {
        let magazine = local.pointee.magazine
        let moved: Int = depot.withLock { depot in
            let moved = min(Self.magazineCapacity / 2, depot.storages.count)
            for index in 0..<moved {
                magazine[index] = Unmanaged.passRetained(depot.storages.removeLast())
            }
            depot.lowWater = min(depot.lowWater, depot.storages.count)
            return moved
        }
        // Trimming happens on spills only: a thread that refills is short of storage.
        local.pointee.magazineCount = moved
        return moved > 0
    }

    @inline(never)
    private func spill(_ local: UnsafeMutablePointer<ThreadLocalState>, _ storage: SpanStorage) {
        let magazine = local.pointee.magazine
        let moved = Self.magazineCapacity / 2
        let keep = Self.magazineCapacity - moved
        // The upper half leaves the magazine: into the depot while it has room, else freed
        // (after the lock is released).
        var freed: [SpanStorage] = []
        depot.withLock { depot in
            for index in keep..<Self.magazineCapacity {
                let leaving = magazine[index].takeRetainedValue()
                if depot.storages.count < Self.depotCapacity {
                    depot.storages.append(leaving)
                } else {
                    freed.append(leaving)
                }
            }
            trimIfDue(&depot, freeingInto: &freed)
        }
        magazine[keep] = Unmanaged.passRetained(storage)
        local.pointee.magazineCount = keep + 1
        freed.removeAll()
    }

    /// Moves a magazine into the depot (when its thread exits).
    func returnMagazine(_ magazine: UnsafeMutablePointer<Unmanaged<SpanStorage>>, count: Int) {
        var freed: [SpanStorage] = []
        depot.withLock { depot in
            for index in 0..<count {
                let leaving = magazine[index].takeRetainedValue()
                if depot.storages.count < Self.depotCapacity {
                    depot.storages.append(leaving)
                } else {
                    freed.append(leaving)
                }
            }
        }
        freed.removeAll()
    }

    private func trimIfDue(_ depot: inout Depot, freeingInto freed: inout [SpanStorage]) {
        let second = SpanClock.coarseUnixSeconds()
        guard second != depot.lastTrimSecond else { return }
        let unneeded = min(depot.lowWater, depot.storages.count)
        freed.append(contentsOf: depot.storages.prefix(unneeded))
        depot.storages.removeFirst(unneeded)
        depot.lastTrimSecond = second
        depot.lowWater = depot.storages.count
    }
}
