/// Samples no trace.
public struct NeverSampler: Sampler {
    /// Creates the sampler.
    public init() {}

    public func decide(traceID: UInt64, operationName: String) -> SamplingDecision { .notSampled }
}

extension Sampler where Self == NeverSampler {
    /// No trace sampled.
    public static var never: NeverSampler { NeverSampler() }
}
