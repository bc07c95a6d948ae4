@testable import Dapper
import Testing

/// The span context text without a `String`: the writer gives exactly ``SpanContext/description``'s
/// bytes, and the 8-bytes-at-a-time parser gives exactly the answers (value or error) of the
/// byte-at-a-time parser beside it, which the parsing tests and the golden vectors pin.
@Suite struct SpanContextTextTests {
    // MARK: Oracle

    /// The byte-at-a-time parser, which decides every input the 8-byte fast path declines and
    /// whose answers (value or error) the fast path must give wherever it answers.
    static func referenceParse(_ input: [UInt8]) -> Result<SpanContext, SpanContextParseError> {
        input.withUnsafeBufferPointer { SpanContext.parseGeneral($0) }
    }

    static func parse(_ bytes: [UInt8]) -> Result<SpanContext, SpanContextParseError> {
        Result { () throws(SpanContextParseError) in try SpanContext(parsing: bytes) }
    }

    // MARK: Inputs

    /// Values of every digit count, with the digits 0, 9, a and f at the edges.
    static let edgeValues: [UInt64] = {
        var values: [UInt64] = [0, 1, 9, 0xa, 0xf, 0x10, .max, 1 << 63, 0x7FFF_FFFF_FFFF_FFFF]
        for digits in 1...16 {
            let shift = UInt64(4 * digits)
            let all = digits == 16 ? UInt64.max : (1 << shift) - 1
            values += [all, 1 << (shift - 4), 0x9 << (shift - 4), 0xa << (shift - 4), all & 0x9A9A_9A9A_9A9A_9A9A]
        }
        return values
    }()

    static func randomID(_ generator: inout SplitMix64) -> UInt64 {
        // Every digit count, and 0 now and then (a zero ID is an error of its own).
        generator.next() % 16 == 0 ? 0 : generator.next() >> (generator.next() % 64)
    }

    /// Text that is nearly a context: each field a run of digits (upper or lower case, with
    /// leading zeros, 0 to 20 long) or of junk, joined by `:` or another byte, with extensions.
    static func nearlyContext(_ generator: inout SplitMix64) -> [UInt8] {
        let digits = Array("0123456789abcdefABCDEF".utf8)
        let junk: [UInt8] = Array(":gG/@`xX-+ \t".utf8) + [0x00, 0x7F, 0x80, 0xB0, 0xC6, 0xE6, 0xFF]
        var bytes: [UInt8] = []
        let fieldCount = 1 + Int(generator.next() % 6)
        for index in 0..<fieldCount {
            if index > 0 {
                bytes.append(generator.next() % 16 == 0 ? junk[Int(generator.next() % UInt64(junk.count))] : UInt8(ascii: ":"))
            }
            let zeros = generator.next() % 4 == 0 ? Int(generator.next() % 6) : 0
            bytes += Array(repeating: UInt8(ascii: "0"), count: zeros)
            // Lengths around 8 and 16 most often: where the reader's words end.
            let lengths = [0, 1, 7, 8, 9, 15, 16, 17, 2, 3]
            let length = generator.next() % 3 == 0 ? Int(generator.next() % 21) : lengths[Int(generator.next() % UInt64(lengths.count))]
            for _ in 0..<length { bytes.append(digits[Int(generator.next() % UInt64(digits.count))]) }
            if generator.next() % 12 == 0 {
                let position = Int(generator.next() % UInt64(bytes.count + 1))
                bytes.insert(junk[Int(generator.next() % UInt64(junk.count))], at: position)
            }
        }
        return bytes
    }

    // MARK: Writing

    @Test func everyWriterGivesTheBytesOfDescriptionForEdgeValues() {
        var failures: [String] = []
        let values = Self.edgeValues
        for (index, traceID) in values.enumerated() {
            for spanID in [values[(index * 7 + 1) % values.count], 0, .max, 1] {
                for parentID in [values[(index * 3 + 2) % values.count], 0] {
                    let flags = SpanContext.Flags(rawValue: UInt8(truncatingIfNeeded: index * 37))
                    let context = SpanContext(traceID: traceID, spanID: spanID, parentID: parentID, flags: flags)
                    let expected = [traceID, spanID, parentID, UInt64(flags.rawValue)]
                        .map { String($0, radix: 16) }.joined(separator: ":")
                    if context.description != expected { failures.append("description \(context.description) != \(expected)") }
                    if context.withText({ Array($0) }) != Array(expected.utf8) { failures.append("withText of \(expected)") }
                    if context.textLength != expected.utf8.count { failures.append("textLength of \(expected)") }
                    var buffer = [UInt8](repeating: 0, count: SpanContext.maximumTextLength)
                    let count = buffer.withUnsafeMutableBytes { context.write(into: $0) }
                    if count.map({ Array(buffer.prefix($0)) }) != Array(expected.utf8) { failures.append("write(into:) of \(expected)") }
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) failures: \(failures.prefix(5))")
    }

    @Test func everyFlagsByteIsWrittenAsDescriptionWritesIt() {
        for byte in UInt8.min...UInt8.max {
            for context in [
                SpanContext(traceID: 1, spanID: 1, flags: .init(rawValue: byte)),
                SpanContext(traceID: .max, spanID: .max, parentID: .max, flags: .init(rawValue: byte)),
            ] {
                let expected = Array(context.description.utf8)
                #expect(Array(expected.suffix(byte > 0xF ? 3 : 2)) == Array((":" + String(byte, radix: 16)).utf8))
                #expect(context.withText { Array($0) } == expected)
                #expect(context.textLength == expected.count)
            }
        }
    }

    @Test func theLongestTextIsMaximumTextLength() {
        let longest = SpanContext(traceID: .max, spanID: .max, parentID: .max, flags: .init(rawValue: 0xFF))
        #expect(longest.textLength == SpanContext.maximumTextLength)
        #expect(longest.description.utf8.count == SpanContext.maximumTextLength)
        #expect(longest.withText { $0.count } == 53)
    }

    @Test func theTextLeavesOutTheHighHalfOfA128BitTraceID() {
        let wide = SpanContext(traceID: 0x3e8, traceIDHigh: 0xdead_beef_0000_0001, spanID: 0x7d0, flags: .sampled)
        #expect(wide.description == "3e8:7d0:0:1")
        #expect(wide.withText { Array($0) } == Array("3e8:7d0:0:1".utf8))
        #expect(wide.textLength == 11)
    }

    @Test func writeIntoABufferOfAnySizeWritesTheTextOrNothing() {
        let sentinel: UInt8 = 0xEE
        for context in [
            SpanContext(traceID: 1, spanID: 1),
            SpanContext(traceID: 0x3e8, spanID: 0x7d0, flags: .sampled),
            SpanContext(traceID: .max, spanID: .max, parentID: .max, flags: .init(rawValue: 0xFF)),
            SpanContext(traceID: 0xfedc_ba98_7654_3210, spanID: 0x12, parentID: 0xabc, flags: .init(rawValue: 0x1F)),
        ] {
            let text = Array(context.description.utf8)
            for size in 0...(SpanContext.maximumTextLength + 8) {
                // Room before and after the caller's buffer, to see any store outside it.
                var storage = [UInt8](repeating: sentinel, count: size + 32)
                let count = storage.withUnsafeMutableBytes { all in
                    context.write(into: UnsafeMutableRawBufferPointer(rebasing: all[16..<(16 + size)]))
                }
                #expect(storage.prefix(16).allSatisfy { $0 == sentinel }, "size \(size): stored before the buffer")
                #expect(storage.suffix(16).allSatisfy { $0 == sentinel }, "size \(size): stored after the buffer")
                if size < text.count {
                    #expect(count == nil, "size \(size)")
                    #expect(storage.allSatisfy { $0 == sentinel }, "size \(size): wrote though the text does not fit")
                } else {
                    #expect(count == text.count, "size \(size)")
                    #expect(Array(storage[16..<(16 + text.count)]) == text, "size \(size)")
                    if size < SpanContext.maximumTextLength {
                        // A buffer smaller than the longest text gets only the text's bytes.
                        #expect(storage[(16 + text.count)...].allSatisfy { $0 == sentinel }, "size \(size)")
                    }
                }
            }
        }
    }

    @Test func writeIntoAnEmptyBufferWithoutABaseAddressReturnsNil() {
        #expect(SpanContext(traceID: 1, spanID: 1).write(into: UnsafeMutableRawBufferPointer(start: nil, count: 0)) == nil)
    }

    @Test func randomContextsWriteTheirDescription() {
        var generator = SplitMix64(seed: 0x7E47_0001)
        var failures: [String] = []
        for _ in 0..<20_000 {
            let context = SpanContext(
                traceID: Self.randomID(&generator), spanID: Self.randomID(&generator), parentID: Self.randomID(&generator),
                flags: .init(rawValue: UInt8(truncatingIfNeeded: generator.next())))
            let expected = [context.traceID, context.spanID, context.parentID, UInt64(context.flags.rawValue)]
                .map { String($0, radix: 16) }.joined(separator: ":")
            if context.description != expected || context.withText({ Array($0) }) != Array(expected.utf8)
                || context.textLength != expected.utf8.count
            {
                failures.append(expected)
            }
        }
        #expect(failures.isEmpty, "\(failures.count) failures: \(failures.prefix(5))")
    }

    // MARK: Reading

    @Test func theDigitMaskMarksExactlyTheBytesThatAreNotHexDigitsInEveryPosition() {
        var failures: [String] = []
        for byte in UInt8.min...UInt8.max {
            let isDigit = Hex.digitValue(byte) < 16
            for position in 0..<8 {
                // The other bytes a digit and a non-digit in turn, so that no neighbour leaks in.
                for filler: UInt8 in [UInt8(ascii: "7"), UInt8(ascii: "F"), 0xFF, 0x00, UInt8(ascii: ":")] {
                    var word = UInt64(0)
                    for lane in 0..<8 { word |= UInt64(lane == position ? byte : filler) << UInt64(8 * lane) }
                    let mask = Hex.nonDigitMask8(word)
                    let bit = mask >> UInt64(8 * position) & 0xFF
                    if bit != (isDigit ? 0 : 0x80) { failures.append("byte \(byte) at \(position) beside \(filler)") }
                    if mask & ~0x8080_8080_8080_8080 != 0 { failures.append("stray bits for \(byte) beside \(filler)") }
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) failures: \(failures.prefix(5))")
    }

    @Test func eightDigitsReadAsTheirValue() {
        var generator = SplitMix64(seed: 0x7E47_0002)
        for _ in 0..<5_000 {
            let value = UInt32(truncatingIfNeeded: generator.next())
            var text = String(value, radix: 16)
            text = String(repeating: "0", count: 8 - text.count) + text
            if generator.next() % 2 == 0 { text = text.uppercased() }
            let word = Array(text.utf8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian }
            #expect(Hex.value8(word) == UInt64(value), "\(text)")
        }
    }

    @Test func theFastParserAgreesWithTheReferenceOnEveryAnswer() {
        var generator = SplitMix64(seed: 0x7E47_0003)
        var inputs: [[UInt8]] = []
        // Well-formed texts of every shape, then mutated, truncated and extended.
        for _ in 0..<30_000 {
            let context = SpanContext(
                traceID: Self.randomID(&generator), spanID: Self.randomID(&generator), parentID: Self.randomID(&generator),
                flags: .init(rawValue: UInt8(truncatingIfNeeded: generator.next())))
            var bytes = Array(context.description.utf8)
            inputs.append(bytes)
            switch generator.next() % 6 {
            case 0: bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count + 1))))
            case 1: bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
            case 2: bytes += Array(":\(String(generator.next(), radix: 16))".utf8)
            case 3: bytes.insert(UInt8(ascii: "0"), at: Int(generator.next() % UInt64(bytes.count)))
            case 4: bytes = bytes.map { $0 >= UInt8(ascii: "a") ? $0 - 0x20 : $0 }
            default: bytes.append(UInt8(truncatingIfNeeded: generator.next()))
            }
            inputs.append(bytes)
        }
        for _ in 0..<60_000 { inputs.append(Self.nearlyContext(&generator)) }
        for _ in 0..<20_000 {
            inputs.append((0..<Int(generator.next() % 60)).map { _ in UInt8(truncatingIfNeeded: generator.next()) })
        }
        inputs += [
            [], Array("1:1:0:1".utf8), Array("1:1:0:01".utf8), Array("12345678:1:0:1".utf8),
            Array("1234567812345678:1:0:1".utf8), Array("01234567812345678:1:0:1".utf8),
            Array("11234567812345678:1:0:1".utf8), Array("1:2:3:".utf8), Array("1:2:3".utf8),
            Array("ffffffffffffffff:ffffffffffffffff:ffffffffffffffff:ff".utf8),
            Array("ffffffffffffffff:ffffffffffffffff:ffffffffffffffff:ffffffffffffffff".utf8),
            Array("ffffffffffffffff:ffffffffffffffff:ffffffffffffffff:1ffffffffffffffff".utf8),
            Array("0:0:0:0:0:0:0:0".utf8), Array("00000000:1:2:3".utf8), Array("1:00000000:2:3".utf8),
        ]

        var failures: [String] = []
        var accepted = 0
        for input in inputs {
            let want = Self.referenceParse(input)
            if case .success = want { accepted += 1 }
            let got = Self.parse(input)
            if got != want { failures.append("\(String(decoding: input, as: UTF8.self)): \(got), reference \(want)") }
            // The same bytes at the very end of a larger buffer, and as a String.
            let padded = Array("xxxxxxxx".utf8) + input
            let slice = Result { () throws(SpanContextParseError) in try SpanContext(parsing: padded[8...]) }
            if slice != want { failures.append("\(input) in a slice: \(slice), reference \(want)") }
            if let text = String(validating: input, as: UTF8.self) {
                let fromString = Result { () throws(SpanContextParseError) in try SpanContext(parsing: text) }
                if fromString != want { failures.append("\(text) as a String: \(fromString), reference \(want)") }
            }
        }
        #expect(inputs.count > 140_000)
        #expect(accepted > 30_000, "the inputs reach the accepting side")
        #expect(inputs.count - accepted > 60_000, "and the rejecting side")
        #expect(failures.isEmpty, "\(failures.count) failures: \(failures.prefix(5))")
    }

    /// The full form (three 16-digit fields, flags of 1 or 2 digits) has a path of its own,
    /// with fixed places for the colons: every byte of such texts replaced by bytes that
    /// matter there (a colon, digits of both cases, the bytes around the digit ranges).
    @Test func theFastParserAgreesWithTheReferenceOnFullFormTextsWithEveryByteChanged() {
        var generator = SplitMix64(seed: 0x7E47_0005)
        let replacements: [UInt8] = Array(":0Ff9aA/@`gG".utf8) + [0x00, 0x80, 0xB0, 0xE6, 0xFF]
        var failures: [String] = []
        var accepted = 0
        var inputs = 0
        func check(_ input: [UInt8]) {
            inputs += 1
            let want = Self.referenceParse(input)
            if case .success = want { accepted += 1 }
            let got = Self.parse(input)
            if got != want { failures.append("\(String(decoding: input, as: UTF8.self)): \(got), reference \(want)") }
        }
        for round in 0..<60 {
            // 16 digits: the top digit nonzero, or a leading zero written out now and then.
            func field() -> String {
                let value = generator.next() | 1 << 60
                let text = String(value, radix: 16)
                return round % 5 == 0 ? "0" + text.dropFirst() : text
            }
            let flags = String(generator.next() % (round % 3 == 0 ? 0x1000 : 0x100), radix: 16)
            var text = [field(), field(), field(), flags].joined(separator: ":")
            if round % 4 == 1 { text = text.uppercased() }
            let bytes = Array(text.utf8)
            check(bytes)
            for position in bytes.indices {
                for replacement in replacements {
                    var changed = bytes
                    changed[position] = replacement
                    check(changed)
                }
            }
            check(Array(bytes.dropLast()))
            check(bytes + [UInt8(ascii: "0")])
        }
        #expect(inputs > 50_000)
        #expect(accepted > 10_000, "the inputs reach the accepting side")
        #expect(inputs - accepted > 10_000, "and the rejecting side")
        #expect(failures.isEmpty, "\(failures.count) failures: \(failures.prefix(5))")
    }

    /// Every input up to 20 bytes made of the bytes the parser distinguishes: every answer
    /// that depends on where a field ends, on both sides of the 8-byte boundary.
    @Test func theFastParserAgreesWithTheReferenceOnShortInputsOfEveryShape() {
        let alphabet: [UInt8] = Array("0f:A".utf8) + [0x00]
        var failures: [String] = []
        var generator = SplitMix64(seed: 0x7E47_0004)
        for _ in 0..<100_000 {
            let length = Int(generator.next() % 21)
            let input = (0..<length).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] }
            let want = Self.referenceParse(input)
            let got = Self.parse(input)
            if got != want { failures.append("\(input): \(got), reference \(want)") }
        }
        #expect(failures.isEmpty, "\(failures.count) failures: \(failures.prefix(5))")
    }
}

/// Injecting the context's text through ``Carrier/set(_:ascii:)``.
@Suite struct SpanContextInjectTests {
    /// A carrier that keeps its values as bytes, as an encoded header block does.
    struct ByteCarrier: Carrier {
        var bytes: [String: [UInt8]] = [:]
        var stringSets = 0
        func get(_ key: String) -> String? { bytes[key].map { String(decoding: $0, as: UTF8.self) } }
        mutating func set(_ key: String, _ value: String) {
            stringSets += 1
            bytes[key] = Array(value.utf8)
        }
        mutating func set(_ key: String, ascii value: UnsafeRawBufferPointer) { bytes[key] = Array(value) }
    }

    static let context = SpanContext(traceID: 0xfedc_ba98_7654_3210, spanID: 0x7d0, parentID: 0x3e8, flags: .sampled)

    @Test func aByteCarrierTakesTheTextAsBytesWithoutAString() {
        var carrier = ByteCarrier()
        Self.context.inject(into: &carrier)
        #expect(carrier.bytes[Propagation.kratosTraceIDKey] == Array(Self.context.description.utf8))
        #expect(carrier.stringSets == 0)
    }

    @Test func aStringCarrierGetsTheDescriptionThroughTheDefault() throws {
        var headers = HTTPHeadersCarrier([("Kratos-Trace-Id", "stale"), ("x-other", "kept")])
        Self.context.inject(into: &headers)
        #expect(headers.fields == [
            .init(name: "x-other", value: "kept"), .init(name: Propagation.kratosTraceIDKey, value: Self.context.description),
        ])
        var dictionary = DictionaryCarrier()
        Self.context.inject(into: &dictionary)
        #expect(dictionary.values == [Propagation.kratosTraceIDKey: Self.context.description])
        #expect(try SpanContext(parsing: #require(dictionary.get(Propagation.kratosTraceIDKey))).spanID == 0x7d0)
    }
}
