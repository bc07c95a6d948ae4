import Dapper
import Testing

/// Compatibility §1 (where we differ): the parser never crashes, whatever the bytes, and agrees with a plain reading
/// of the rules. A seeded generator makes every run see the same inputs: a failure reports the
/// input, and reproduces.
@Suite struct ContextParserFuzzTests {
    static let seed: UInt64 = 0xDA99_E5_2024

    /// What the parser must answer, in the categories Compatibility §1 names.
    enum Outcome: Equatable, CustomStringConvertible {
        case accepted(traceID: UInt64, spanID: UInt64, parentID: UInt64, flags: UInt8)
        case empty
        case malformed
        case zeroID

        var description: String {
            switch self {
            case .accepted(let t, let s, let p, let f): "accepted(\(t), \(s), \(p), \(f))"
            case .empty: "empty"
            case .malformed: "malformed"
            case .zeroID: "zeroID"
            }
        }
    }

    /// Compatibility §1 read literally: split on `:`, at least 4 parts, each of the first 4 a non-empty
    /// run of hex digits whose value fits in 64 bits, flags truncated to 8 bits, zero IDs refused.
    static func reference(_ bytes: [UInt8]) -> Outcome {
        if bytes.isEmpty { return .empty }
        let parts = bytes.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
        guard parts.count >= 4 else { return .malformed }
        var values: [UInt64] = []
        for part in parts.prefix(4) {
            guard !part.isEmpty else { return .malformed }
            var value: UInt64 = 0
            for byte in part {
                let digit: UInt64
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt64(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt64(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt64(byte - UInt8(ascii: "A") + 10)
                default: return .malformed
                }
                let (shifted, overflow) = value.multipliedReportingOverflow(by: 16)
                if overflow { return .malformed }
                value = shifted | digit
            }
            values.append(value)
        }
        if values[0] == 0 || values[1] == 0 { return .zeroID }
        return .accepted(traceID: values[0], spanID: values[1], parentID: values[2], flags: UInt8(truncatingIfNeeded: values[3]))
    }

    /// What the library answers, in the same categories.
    static func outcome(of result: Result<SpanContext, SpanContextParseError>) -> Outcome {
        switch result {
        case .success(let context):
            .accepted(traceID: context.traceID, spanID: context.spanID, parentID: context.parentID, flags: context.flags.rawValue)
        case .failure(.empty): .empty
        case .failure(.zeroID): .zeroID
        case .failure(let error): error.isMalformed ? .malformed : .empty
        }
    }

    static func parse(_ bytes: [UInt8]) -> Result<SpanContext, SpanContextParseError> {
        Result { () throws(SpanContextParseError) in try SpanContext(parsing: bytes) }
    }

    static func parse(_ text: String) -> Result<SpanContext, SpanContextParseError> {
        Result { () throws(SpanContextParseError) in try SpanContext(parsing: text) }
    }

    // MARK: Inputs

    static let hexDigits = Array("0123456789abcdefABCDEF".utf8)
    static let interesting: [UInt8] = Array("0:x-+ \t\n".utf8) + [0x00, 0x7F, 0x80, 0xC3, 0xFF]

    static func randomByte(_ generator: inout SplitMix64) -> UInt8 {
        switch generator.next() % 8 {
        case 0, 1, 2, 3: hexDigits[Int(generator.next() % UInt64(hexDigits.count))]
        case 4, 5: UInt8(ascii: ":")
        case 6: interesting[Int(generator.next() % UInt64(interesting.count))]
        default: UInt8(truncatingIfNeeded: generator.next())
        }
    }

    static func randomBytes(_ generator: inout SplitMix64) -> [UInt8] {
        (0..<Int(generator.next() % 40)).map { _ in randomByte(&generator) }
    }

    static func mutate(_ input: [UInt8], _ generator: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0...(generator.next() % 4) {
            let position = bytes.isEmpty ? 0 : Int(generator.next() % UInt64(bytes.count))
            switch generator.next() % 6 {
            case 0 where !bytes.isEmpty: bytes[position] = randomByte(&generator)
            case 1: bytes.insert(randomByte(&generator), at: position)
            case 2 where !bytes.isEmpty: bytes.remove(at: position)
            case 3 where !bytes.isEmpty:
                let end = min(bytes.count, position + Int(generator.next() % 8) + 1)
                bytes.insert(contentsOf: bytes[position..<end], at: position)
            case 4: bytes.insert(contentsOf: Array(repeating: UInt8(ascii: "0"), count: Int(generator.next() % 20)), at: position)
            default: bytes = Array(bytes.prefix(position))
            }
        }
        return bytes
    }

    /// A random context whose IDs have every length from 1 to 16 digits.
    static func randomContext(_ generator: inout SplitMix64) -> SpanContext {
        func id(_ generator: inout SplitMix64, zeroAllowed: Bool) -> UInt64 {
            if zeroAllowed && generator.next() % 4 == 0 { return 0 }
            return max(1, generator.next() >> (generator.next() % 64))
        }
        return SpanContext(
            traceID: id(&generator, zeroAllowed: false),
            spanID: id(&generator, zeroAllowed: false),
            parentID: id(&generator, zeroAllowed: true),
            flags: SpanContext.Flags(rawValue: UInt8(truncatingIfNeeded: generator.next())))
    }

    /// Four fields of random hex (sometimes with leading zeros, sometimes too long, sometimes
    /// empty), joined by `:`, with optional extensions.
    static func structuredBytes(_ generator: inout SplitMix64) -> [UInt8] {
        var fields: [[UInt8]] = []
        for _ in 0..<(3 + Int(generator.next() % 3)) {
            let zeros = generator.next() % 3 == 0 ? Int(generator.next() % 20) : 0
            let length = Int(generator.next() % 19)
            fields.append(
                Array(repeating: UInt8(ascii: "0"), count: zeros)
                    + (0..<length).map { _ in hexDigits[Int(generator.next() % UInt64(hexDigits.count))] })
        }
        return Array(fields.joined(separator: [UInt8(ascii: ":")]))
    }

    // MARK: The run

    @Test func parserAgreesWithTheRulesOnMoreThan100000Inputs() {
        var generator = SplitMix64(seed: Self.seed)
        let seeds: [[UInt8]] = (Vectors.contextParse.map(\.input) + Vectors.spans.map(\.contextString)
            + ["3e8:7d0:0:1", "ffffffffffffffff:1:0:1", "1:2:3:4:extra"]).map { Array($0.utf8) }
        var inputs = 0
        var canonical = 0
        var accepted = 0
        var failures: [String] = []

        func check(_ bytes: [UInt8], mustAccept expected: SpanContext? = nil) {
            inputs += 1
            let result = Self.parse(bytes)
            let got = Self.outcome(of: result)
            let want = Self.reference(bytes)
            if got != want { failures.append("\(bytes): parser \(got), rules \(want)") }
            if let text = String(validating: bytes, as: UTF8.self), Self.parse(text) != result {
                failures.append("\(bytes): the String and byte parsers disagree")
            }
            if let expected {
                canonical += 1
                if case .success(let context) = result {
                    if context.traceID != expected.traceID || context.spanID != expected.spanID
                        || context.parentID != expected.parentID || context.flags != expected.flags
                    {
                        failures.append("\(expected): canonical form parsed as \(context)")
                    }
                } else {
                    failures.append("\(expected): canonical form \"\(expected.description)\" rejected")
                }
            }
            if case .success(let context) = result {
                accepted += 1
                if context.traceID == 0 || context.spanID == 0 { failures.append("\(bytes): accepted a zero ID") }
                switch Self.parse(context.description) {
                case .success(let again):
                    if again.traceID != context.traceID || again.spanID != context.spanID
                        || again.parentID != context.parentID || again.flags != context.flags
                    {
                        failures.append("\(bytes): reparsed \(context.description) as \(again.description)")
                    }
                case .failure(let error):
                    failures.append("\(bytes): its own text \(context.description) was rejected: \(error)")
                }
            }
        }

        for _ in 0..<40_000 { check(Self.randomBytes(&generator)) }
        for _ in 0..<40_000 {
            let original = seeds[Int(generator.next() % UInt64(seeds.count))]
            check(Self.mutate(original, &generator))
        }
        for _ in 0..<15_000 { check(Self.structuredBytes(&generator)) }
        for _ in 0..<15_000 {
            let context = Self.randomContext(&generator)
            check(Array(context.description.utf8), mustAccept: context)
        }
        for original in seeds { check(original) }

        #expect(inputs >= 100_000)
        #expect(canonical == 15_000)
        // The generator reaches both sides of the parser.
        #expect(accepted > 20_000)
        #expect(inputs - accepted > 20_000)
        #expect(failures.isEmpty, "seed \(Self.seed), \(failures.count) failures, first: \(failures.prefix(5))")
    }

    @Test func everyByteAloneAndEveryByteInEveryFieldIsHandled() {
        var failures: [String] = []
        for byte in UInt8.min...UInt8.max {
            for template in ["#", "#:1:0:1", "1:#:0:1", "1:1:#:1", "1:1:0:#", "1:1:0:1#", "1:1:0:1:#"] {
                let bytes = Array(template.utf8).flatMap { $0 == UInt8(ascii: "#") ? [byte] : [$0] }
                let got = Self.outcome(of: Self.parse(bytes))
                let want = Self.reference(bytes)
                if got != want { failures.append("\(bytes): parser \(got), rules \(want)") }
            }
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }
}
