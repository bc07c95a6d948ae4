/// A sampler's answer.
public struct SamplingDecision: Sendable, Hashable {
    /// Whether the trace is recorded and reported.
    public var isSampled: Bool
    /// The probability with which it was sampled; spans report it (0 when not sampled).
    public var probability: Float

    /// Creates a decision.
    public init(isSampled: Bool, probability: Float) {
        self.isSampled = isSampled
        self.probability = probability
    }

    /// Not sampled.
    public static let notSampled = SamplingDecision(isSampled: false, probability: 0)
}
