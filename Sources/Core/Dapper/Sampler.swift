/// Decides whether a new trace is sampled: recorded and reported.
///
/// Only ``Tracer/new(_:debug:)`` asks; children inherit their parent's decision, and a trace
/// continued from a peer keeps the peer's.
public protocol Sampler: Sendable {
    /// The decision for a new trace named `operationName` with identifier `traceID`.
    func decide(traceID: UInt64, operationName: String) -> SamplingDecision
}
