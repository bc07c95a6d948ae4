/// Makes trace and span identifiers (Compatibility §2, where we differ from the original).
///
/// The Go original packed 31 random bits with a host hash and a timestamp, so that busy
/// hosts saw collisions every few minutes. Here an identifier is a uniformly random,
/// non-zero 64-bit value from a per-thread generator seeded once from the system's secure
/// source: no lock and no system call per identifier.
package enum IdentifierGenerator {
    /// A new random, non-zero 64-bit identifier.
    @inline(__always)
    package static func next() -> UInt64 {
        let state = ThreadLocalState.current
        while true {
            let value = state.pointee.random.next()
            if value != 0 { return value }
        }
    }

    /// A uniformly distributed value in `0 ..< 1` from the same per-thread generator.
    @inline(__always)
    static func nextUnitFloat() -> Float {
        // 24 bits: every value is exactly representable as a Float.
        Float(ThreadLocalState.current.pointee.random.next() >> 40) * 0x1p-24
    }
}
