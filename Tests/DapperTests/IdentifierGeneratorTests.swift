@testable import Dapper
import Testing

/// Compatibility §2: identifiers are uniformly random, non-zero 64-bit values from a per-thread generator.
@Suite struct IdentifierGeneratorTests {
    @Test func identifiersAreNeverZeroAndDoNotRepeat() {
        var seen = Set<UInt64>()
        var zeros = 0
        for _ in 0..<100_000 {
            let id = IdentifierGenerator.next()
            if id == 0 { zeros += 1 }
            seen.insert(id)
        }
        #expect(zeros == 0)
        #expect(seen.count == 100_000)
    }

    /// Uniform over all 64 bits: each bit is set in about half of the identifiers (the original
    /// fixed a host byte and a timestamp, so most high bits were constant within a window).
    @Test func everyBitIsSetInAboutHalfOfTheIdentifiers() {
        let samples = 20_000
        var ones = [Int](repeating: 0, count: 64)
        for _ in 0..<samples {
            let id = IdentifierGenerator.next()
            for bit in 0..<64 where id & (1 << UInt64(bit)) != 0 { ones[bit] += 1 }
        }
        // 20 000 fair coin flips: a standard deviation of about 71; 10 of them is far beyond chance.
        let skewed = ones.enumerated().filter { abs($0.element - samples / 2) > 700 }
        #expect(skewed.isEmpty, "bits far from half set: \(skewed)")
    }

    @Test func identifiersOfConsecutiveTracesShareNoFixedHighBits() {
        // Within one second, the original's IDs share the host hash and the time bits (the top 33).
        let first = IdentifierGenerator.next() >> 31
        var differs = false
        for _ in 0..<64 where IdentifierGenerator.next() >> 31 != first { differs = true }
        #expect(differs)
    }

    @Test func threadsDrawDifferentIdentifiers() async {
        let perTask = 5_000
        let all = await withTaskGroup(of: [UInt64].self) { group in
            for _ in 0..<8 {
                group.addTask { (0..<perTask).map { _ in IdentifierGenerator.next() } }
            }
            var all: [UInt64] = []
            for await ids in group { all += ids }
            return all
        }
        #expect(all.count == 8 * perTask)
        #expect(Set(all).count == all.count)
        #expect(!all.contains(0))
    }

    @Test func unitFloatIsInZeroToOne() {
        var low = 0
        var outside: [Float] = []
        for _ in 0..<10_000 {
            let value = IdentifierGenerator.nextUnitFloat()
            if !(value >= 0 && value < 1) { outside.append(value) }
            if value < 0.5 { low += 1 }
        }
        #expect(outside.isEmpty)
        #expect(abs(low - 5_000) < 500)
    }

    @Test func tracerIdentifiersAreNonZeroAndDistinct() {
        let (tracer, _) = makeTracer(sampler: NeverSampler())
        var traceIDs = Set<UInt64>()
        var spanIDs = Set<UInt64>()
        for _ in 0..<2_000 {
            let root = tracer.new("op")
            let child = root.fork("", "child")
            let context = root.context!
            let childContext = child.context!
            #expect(context.traceID != 0)
            #expect(childContext.spanID != 0)
            traceIDs.insert(context.traceID)
            spanIDs.insert(childContext.spanID)
            child.finish()
            root.finish()
        }
        #expect(traceIDs.count == 2_000)
        #expect(spanIDs.count == 2_000)
    }
}
