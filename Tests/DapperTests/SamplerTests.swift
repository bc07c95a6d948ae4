import Dapper
import Testing

/// Compatibility §5: the legacy probability sampler, and the always/never samplers.
@Suite struct SamplerTests {
    /// A sampler on a fake clock and a fake random source.
    struct Harness {
        let second = Knob<Int64>(1_700_000_000)
        let random = Knob<Float>(0.999)
        let sampler: ProbabilitySampler

        init(probability: Float = 0.5) {
            let second = self.second
            let random = self.random
            sampler = ProbabilitySampler(
                probability: probability,
                unixSeconds: { second.value },
                random: { random.value }
            )
        }

        func decide(_ operation: String) -> SamplingDecision {
            sampler.decide(traceID: 1, operationName: operation)
        }
    }

    /// Compatibility §5's formula, written out independently of the library.
    static func referenceHash(_ string: String) -> UInt32 {
        var hash: UInt32 = 0
        for byte in Array(string.utf8) {
            hash = hash &+ UInt32(byte)
            hash = hash &+ (hash << 10)
            hash = hash ^ (hash >> 6)
        }
        hash = hash &+ (hash << 3)
        hash = hash ^ (hash >> 11)
        hash = hash &+ (hash << 15)
        return hash
    }

    // MARK: Never-sampled operations

    @Test(arguments: ["/metrics", "/ping"])
    func metricsAndPingAreNeverSampled(_ operation: String) {
        let harness = Harness(probability: 1)
        harness.random.value = 0
        for _ in 0..<3 {
            #expect(harness.decide(operation) == .notSampled)
            harness.second.value += 1
        }
    }

    @Test func onlyTheExactNamesMetricsAndPingAreExempt() {
        let harness = Harness()
        #expect(harness.decide("/metrics/").isSampled)
        #expect(harness.decide("/pingx").isSampled)
        #expect(harness.decide("/Ping").isSampled)
    }

    // MARK: Once a second

    @Test func firstCallOfAnOperationInASecondIsSampledWithProbabilityOne() {
        let harness = Harness(probability: 0.5)
        let decision = harness.decide("/api/user/info")
        #expect(decision == SamplingDecision(isSampled: true, probability: 1))
    }

    @Test func laterCallsInTheSameSecondAreNotSampledWhenRandomIsNotBelowP() {
        let harness = Harness(probability: 0.5)
        _ = harness.decide("/op")
        harness.random.value = 0.5  // not below p
        #expect(harness.decide("/op") == .notSampled)
        harness.random.value = 0.9
        #expect(harness.decide("/op") == .notSampled)
        #expect(harness.decide("/op").probability == 0)
    }

    @Test func laterCallsInTheSameSecondAreSampledWhenRandomIsBelowPReportingP() {
        let harness = Harness(probability: 0.5)
        _ = harness.decide("/op")
        harness.random.value = 0.49
        #expect(harness.decide("/op") == SamplingDecision(isSampled: true, probability: 0.5))
        harness.random.value = 0
        #expect(harness.decide("/op") == SamplingDecision(isSampled: true, probability: 0.5))
    }

    @Test func aNewSecondResetsTheSlot() {
        let harness = Harness(probability: 0.5)
        #expect(harness.decide("/op").probability == 1)
        #expect(!harness.decide("/op").isSampled)
        harness.second.value += 1
        #expect(harness.decide("/op") == SamplingDecision(isSampled: true, probability: 1))
        #expect(!harness.decide("/op").isSampled)
        // Any change of second counts, even a clock stepping back.
        harness.second.value -= 5
        #expect(harness.decide("/op") == SamplingDecision(isSampled: true, probability: 1))
    }

    @Test func operationsInDifferentSlotsAreSampledIndependently() {
        let first = "/api/a"
        let second = "/api/b"
        #expect(Self.referenceHash(first) % 2048 != Self.referenceHash(second) % 2048)
        let harness = Harness(probability: 0.5)
        #expect(harness.decide(first).probability == 1)
        #expect(harness.decide(second).probability == 1)
        #expect(!harness.decide(first).isSampled)
        #expect(!harness.decide(second).isSampled)
    }

    /// Two names whose hashes fall into the same of the 2048 slots share the once-a-second sample.
    @Test func operationsWhoseHashesCollideModulo2048ShareOneSlot() throws {
        var slots: [UInt32: String] = [:]
        var collision: (String, String)?
        for index in 0..<100_000 {
            let name = "/op/\(index)"
            let slot = Self.referenceHash(name) % 2048
            if let other = slots[slot] {
                collision = (other, name)
                break
            }
            slots[slot] = name
        }
        let (first, second) = try #require(collision)
        #expect(Self.referenceHash(first) != Self.referenceHash(second))
        let harness = Harness(probability: 0.5)
        #expect(harness.decide(first).probability == 1)
        // The slot has seen this second already: the other name falls to the probability rule.
        #expect(harness.decide(second) == .notSampled)
        harness.second.value += 1
        #expect(harness.decide(second).probability == 1)
        #expect(harness.decide(first) == .notSampled)
    }

    /// Over 3000 names in one second, a name is sampled exactly when its slot (`hash % 2048`)
    /// has not been taken by an earlier name: neither more nor fewer slots than 2048.
    @Test func firstCallsInASecondAreSampledOncePerSlotOf2048() {
        let harness = Harness(probability: 0.5)  // random is 0.999: nothing sampled by chance
        var taken = Set<UInt32>()
        var mismatches: [String] = []
        for index in 0..<3000 {
            let name = "/route/\(index)"
            let slot = Self.referenceHash(name) % 2048
            let expected = taken.insert(slot).inserted
            let decision = harness.decide(name)
            if decision.isSampled != expected || (expected && decision.probability != 1) {
                mismatches.append("\(name) slot \(slot): \(decision)")
            }
        }
        #expect(taken.count < 2048)  // some slots are shared, some names share them
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    // MARK: The hash

    @Test func oneAtATimeHashHasTheKnownValues() {
        // Published values of Jenkins' one-at-a-time hash.
        #expect(ProbabilitySampler.oneAtATimeHash("a") == 0xCA2E_9442)
        #expect(ProbabilitySampler.oneAtATimeHash("The quick brown fox jumps over the lazy dog") == 0x519E_91F5)
        #expect(ProbabilitySampler.oneAtATimeHash("") == 0)
    }

    @Test(arguments: ["", "a", "/api/user/info", "redis:GET", "查询/用户", "/metrics", String(repeating: "x", count: 1000)])
    func oneAtATimeHashMatchesTheSpecFormula(_ string: String) {
        #expect(ProbabilitySampler.oneAtATimeHash(string) == Self.referenceHash(string))
    }

    // MARK: Probability

    @Test func defaultProbabilityIsOneIn4000() {
        #expect(ProbabilitySampler.defaultProbability == 0.00025)
        #expect(ProbabilitySampler().probability == 0.00025)
    }

    @Test func probabilityIsClampedIntoZeroExclusiveToOne() {
        #expect(ProbabilitySampler(probability: 2).probability == 1)
        #expect(ProbabilitySampler(probability: 0).probability > 0)
        #expect(ProbabilitySampler(probability: -1).probability > 0)
        #expect(ProbabilitySampler(probability: .nan).probability == ProbabilitySampler.defaultProbability)
        #expect(ProbabilitySampler(probability: 0.3).probability == 0.3)
        #expect(SamplerTests.probabilityOf(.probability(0.125)) == 0.125)
    }

    private static func probabilityOf(_ sampler: ProbabilitySampler) -> Float { sampler.probability }

    @Test func probabilityOneSamplesEveryCallWithTheRealClockAndRandom() {
        let sampler = ProbabilitySampler(probability: 1)
        let unsampled = (0..<1_000).filter { _ in !sampler.decide(traceID: 1, operationName: "/busy").isSampled }
        #expect(unsampled.isEmpty)
    }

    @Test func defaultProbabilitySamplesFewOfManyCallsInQuickSuccession() {
        let sampler = ProbabilitySampler()
        #expect(sampler.decide(traceID: 1, operationName: "/busy").probability == 1)
        // 10 000 more: about 2.5 by chance, plus one per second boundary crossed.
        let sampled = (0..<10_000).filter { _ in sampler.decide(traceID: 1, operationName: "/busy").isSampled }
        #expect(sampled.count < 40)
    }

    @Test func samplersKeepSeparateSlots() {
        let one = Harness(probability: 0.5)
        let other = Harness(probability: 0.5)
        #expect(one.decide("/op").probability == 1)
        #expect(other.decide("/op").probability == 1)
    }

    // MARK: Always and never

    @Test func alwaysSamplerSamplesEveryTraceWithProbabilityOne() {
        let sampler: any Sampler = .always
        for name in ["/op", "/metrics", "/ping", ""] {
            #expect(sampler.decide(traceID: 7, operationName: name) == SamplingDecision(isSampled: true, probability: 1))
        }
    }

    @Test func neverSamplerSamplesNothing() {
        let sampler: any Sampler = .never
        for name in ["/op", "/metrics", ""] {
            #expect(sampler.decide(traceID: 7, operationName: name) == .notSampled)
        }
        #expect(SamplingDecision.notSampled == SamplingDecision(isSampled: false, probability: 0))
    }
}
