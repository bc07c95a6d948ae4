import Synchronization

/// The legacy dapper sampler (Compatibility §5): the first trace of each operation in each second is
/// sampled, the others with a fixed probability; `/metrics` and `/ping` never.
///
/// Operations share 2048 slots by Jenkins' one-at-a-time hash of their name. A slot
/// remembers the last Unix second in which it sampled; the first request that sees a newer
/// second wins the slot with one compare-and-swap and is sampled with probability 1. So rare
/// operations are always seen, and busy ones cost `probability` of their traffic.
public struct ProbabilitySampler: Sampler {
    /// The probability for requests after the first of their second: in (0, 1].
    public let probability: Float
    private let slots: Slots
    private let clock: @Sendable () -> Int64
    private let random: @Sendable () -> Float

    /// The original's default: one trace in 4000.
    public static let defaultProbability: Float = 0.00025

    /// Creates the sampler.
    ///
    /// - Parameter probability: in (0, 1]; values outside are clamped to that range (0 becomes
    ///   the smallest positive Float, so that the once-a-second rule still holds).
    public init(probability: Float = ProbabilitySampler.defaultProbability) {
        self.init(probability: probability, unixSeconds: nil, random: nil)
    }

    /// Creates the sampler with its clock and its random source replaced, for the tests.
    ///
    /// - Parameters:
    ///   - unixSeconds: the current Unix second; the coarse wall clock when `nil`.
    ///   - random: a uniform value in `0 ..< 1`; the per-thread generator when `nil`.
    package init(
        probability: Float,
        unixSeconds: (@Sendable () -> Int64)?,
        random: (@Sendable () -> Float)?
    ) {
        self.probability = probability.isNaN ? Self.defaultProbability : min(max(probability, .leastNonzeroMagnitude), 1)
        self.slots = Slots()
        self.clock = unixSeconds ?? { SpanClock.coarseUnixSeconds() }
        self.random = random ?? { IdentifierGenerator.nextUnitFloat() }
    }

    public func decide(traceID: UInt64, operationName: String) -> SamplingDecision {
        if operationName == "/metrics" || operationName == "/ping" { return .notSampled }
        let slot = Int(Self.oneAtATimeHash(operationName) % UInt32(Slots.count))
        let second = clock()
        let seen = slots[slot].load(ordering: .relaxed)
        if seen != second, slots[slot].compareExchange(expected: seen, desired: second, ordering: .relaxed).exchanged {
            return SamplingDecision(isSampled: true, probability: 1)
        }
        if random() < probability { return SamplingDecision(isSampled: true, probability: probability) }
        return .notSampled
    }

    /// Jenkins' one-at-a-time hash over the UTF-8 bytes, as the original computes it.
    package static func oneAtATimeHash(_ string: String) -> UInt32 {
        var hash: UInt32 = 0
        for byte in string.utf8 {
            hash &+= UInt32(byte)
            hash &+= hash << 10
            hash ^= hash >> 6
        }
        hash &+= hash << 3
        hash ^= hash >> 11
        hash &+= hash << 15
        return hash
    }

    /// 2048 atomic seconds, allocated once per sampler.
    private final class Slots: Sendable {
        static let count = 2048
        // Written only through atomic operations; the pointer itself never changes.
        nonisolated(unsafe) private let storage: UnsafeMutablePointer<Atomic<Int64>>

        init() {
            storage = .allocate(capacity: Self.count)
            for index in 0..<Self.count { (storage + index).initialize(to: Atomic(Int64.min)) }
        }

        subscript(index: Int) -> Atomic<Int64> {
            unsafeAddress { UnsafePointer(storage + index) }
        }

        deinit {
            storage.deinitialize(count: Self.count)
            storage.deallocate()
        }
    }
}

extension Sampler where Self == ProbabilitySampler {
    /// The legacy sampler with the given probability (Compatibility §5).
    public static func probability(_ probability: Float) -> ProbabilitySampler {
        ProbabilitySampler(probability: probability)
    }
}
