/// The wyrand generator: 64-bit output, one multiply per number, passes BigCrush.
/// Not cryptographic, which identifiers do not need; seeded per thread from the system's
/// secure source.
struct WyRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    @inline(__always)
    mutating func next() -> UInt64 {
        state &+= 0xa076_1d64_78bd_642f
        let product = state.multipliedFullWidth(by: state ^ 0xe703_7ed1_a0b4_28db)
        return product.high ^ product.low
    }
}
