/// Memory that shares no cache line with any other allocation.
///
/// Per-span and per-thread state is written on every span; had a neighbouring allocation
/// used by another thread shared one of its cache lines, each write would take the line from
/// that thread's core (false sharing): two threads ran at 1.7 times one thread with span
/// state allocated plainly, 2.0 times once it was not (BENCHMARKS.md, "Scaling").
enum CacheLineMemory {
    /// Two 64-byte lines: x86-64 cores prefetch lines in adjacent pairs, so a neighbour in the
    /// other half of a pair still contends; 128 is also Apple silicon's line.
    static let lineSize = 128

    /// Uninitialised memory for `capacity` values of `T`, on lines of its own; free it with
    /// ``deallocate(_:)``.
    static func allocate<T>(_ type: T.Type, capacity: Int = 1) -> UnsafeMutablePointer<T> {
        let size = wholeLines(MemoryLayout<T>.stride * capacity)
        return UnsafeMutableRawPointer.allocate(byteCount: size, alignment: lineSize).bindMemory(to: T.self, capacity: capacity)
    }

    /// `byteCount` rounded up to whole lines.
    @inline(__always)
    static func wholeLines(_ byteCount: Int) -> Int {
        (byteCount + lineSize - 1) / lineSize * lineSize
    }

    static func deallocate<T>(_ pointer: UnsafeMutablePointer<T>) {
        UnsafeMutableRawPointer(pointer).deallocate()
    }
}
