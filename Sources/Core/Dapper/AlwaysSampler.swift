/// Samples every trace, with probability 1: the original's `disable_sample`.
public struct AlwaysSampler: Sampler {
    /// Creates the sampler.
    public init() {}

    public func decide(traceID: UInt64, operationName: String) -> SamplingDecision {
        SamplingDecision(isSampled: true, probability: 1)
    }
}

extension Sampler where Self == AlwaysSampler {
    /// Every trace sampled with probability 1 (sampling disabled).
    public static var always: AlwaysSampler { AlwaysSampler() }
}
