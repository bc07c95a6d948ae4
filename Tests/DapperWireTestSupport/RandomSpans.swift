import Dapper

/// A span with random names (including NUL and non-ASCII), tags of every kind, logs and
/// references.
package func randomSpan(using random: inout SplitMix64) -> FinishedSpan {
    let alphabet: [String] = ["a", "Z", "0", " ", "\0", "é", "日", "🙂", ":", "\"", "\\", "\n"]
    func text(_ maxLength: Int) -> String {
        String((0..<Int.random(in: 0...maxLength, using: &random)).map { _ in alphabet.randomElement(using: &random)! }.joined())
    }
    var tags: [SpanTag] = []
    for _ in 0..<Int.random(in: 0...10, using: &random) {
        let value: SpanTagValue =
            switch Int.random(in: 0..<4, using: &random) {
            case 0: .string(text(20))
            case 1: .int(Int64(bitPattern: random.next()))
            case 2: .bool(Bool.random(using: &random))
            default: .double(Double(bitPattern: random.next() & 0x7FEF_FFFF_FFFF_FFFF))
            }
        tags.append(SpanTag(key: text(8), value: value))
    }
    let logs = (0..<Int.random(in: 0...3, using: &random)).map { _ in
        SpanLog(
            timestampNanos: Int64.random(in: 0...Int64.max / 2, using: &random),
            fields: SpanLogFields((0..<Int.random(in: 0...3, using: &random)).map { _ in SpanLogField(key: text(6), value: text(30)) }))
    }
    let references = (0..<Int.random(in: 0...2, using: &random)).map { _ in
        SpanReference(kind: Bool.random(using: &random) ? .childOf : .followsFrom, traceID: random.next(), spanID: random.next())
    }
    return FinishedSpan(
        serviceName: text(12), operationName: text(30),
        context: SpanContext(
            traceID: random.next(), spanID: random.next(), parentID: Bool.random(using: &random) ? 0 : random.next(),
            flags: .sampled, probability: Float.random(in: 0...1, using: &random)),
        startTimeNanos: Int64.random(in: -1_000_000_000_000...4_000_000_000_000_000_000, using: &random),
        durationNanos: Int64.random(in: -10...1_000_000_000_000, using: &random),
        tags: SpanTags(tags), logs: logs, references: references)
}

/// SplitMix64: a tiny seeded generator, so that failures reproduce.
package struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    package init(seed: UInt64) { state = seed }
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
