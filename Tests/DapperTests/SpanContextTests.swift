import Dapper
import Testing

/// Compatibility §1: the span context, its text form and its parser.
@Suite struct SpanContextTests {
    // MARK: Fields

    @Test func initKeepsEveryField() {
        let context = SpanContext(
            traceID: 1, spanID: 2, parentID: 3, flags: [.sampled, .debug], probability: 0.5, level: 7)
        #expect(context.traceID == 1)
        #expect(context.spanID == 2)
        #expect(context.parentID == 3)
        #expect(context.flags.rawValue == 0x03)
        #expect(context.probability == 0.5)
        #expect(context.level == 7)
    }

    @Test func rootDefaultsAreParentZeroLevelOneNoFlags() {
        let context = SpanContext(traceID: 9, spanID: 9)
        #expect(context.parentID == 0)
        #expect(context.level == 1)
        #expect(context.flags.rawValue == 0)
        #expect(context.probability == 0)
    }

    @Test func sampledIsBit0x01AndDebugIsBit0x02() {
        #expect(SpanContext.Flags.sampled.rawValue == 0x01)
        #expect(SpanContext.Flags.debug.rawValue == 0x02)
        let none = SpanContext(traceID: 1, spanID: 1, flags: SpanContext.Flags(rawValue: 0))
        #expect(!none.isSampled && !none.isDebug)
        let sampled = SpanContext(traceID: 1, spanID: 1, flags: SpanContext.Flags(rawValue: 0x01))
        #expect(sampled.isSampled && !sampled.isDebug)
        let debug = SpanContext(traceID: 1, spanID: 1, flags: SpanContext.Flags(rawValue: 0x02))
        #expect(!debug.isSampled && debug.isDebug)
        let otherBits = SpanContext(traceID: 1, spanID: 1, flags: SpanContext.Flags(rawValue: 0xFC))
        #expect(!otherBits.isSampled && !otherBits.isDebug)
        let all = SpanContext(traceID: 1, spanID: 1, flags: SpanContext.Flags(rawValue: 0xFF))
        #expect(all.isSampled && all.isDebug)
    }

    // MARK: Text form

    @Test func descriptionIsLowerCaseHexWithoutPadding() {
        #expect(SpanContext(traceID: 1000, spanID: 2000, parentID: 0, flags: .sampled).description == "3e8:7d0:0:1")
        #expect(
            SpanContext(traceID: 0xABCDEF, spanID: 0xFEDCBA9876543210, parentID: 0xA, flags: .debug).description
                == "abcdef:fedcba9876543210:a:2")
    }

    @Test func descriptionOfExtremeValues() {
        let context = SpanContext(
            traceID: .max, spanID: 0x8000_0000_0000_0000, parentID: 0x7FFF_FFFF_FFFF_FFFF,
            flags: SpanContext.Flags(rawValue: 0xFF))
        #expect(context.description == "ffffffffffffffff:8000000000000000:7fffffffffffffff:ff")
        #expect(SpanContext(traceID: 1, spanID: 1, parentID: 0).description == "1:1:0:0")
    }

    @Test func descriptionDoesNotCarryLevelOrProbability() {
        let plain = SpanContext(traceID: 5, spanID: 6, parentID: 5, flags: .sampled)
        let local = SpanContext(traceID: 5, spanID: 6, parentID: 5, flags: .sampled, probability: 0.25, level: 9)
        #expect(plain.description == local.description)
    }

    /// Every digit count from 1 to 16 in every field, and random values, against the standard
    /// library's own hex formatting.
    @Test func descriptionMatchesStandardLibraryHexForEveryDigitCount() {
        var values: [UInt64] = [0, 1, 9, 10, 15, 16, .max]
        for shift in stride(from: 4, to: 64, by: 4) {
            values.append(1 << UInt64(shift))
            values.append((1 << UInt64(shift)) - 1)
            values.append((1 << UInt64(shift)) | 0xA)
        }
        var generator = SplitMix64(seed: 0x5EED)
        for _ in 0..<2000 { values.append(generator.next() >> (generator.next() % 64)) }
        var mismatches: [String] = []
        for (index, value) in values.enumerated() {
            let other = values[(index * 7 + 3) % values.count]
            let flags = UInt8(truncatingIfNeeded: value ^ other)
            let context = SpanContext(
                traceID: value, spanID: other, parentID: value ^ other, flags: SpanContext.Flags(rawValue: flags))
            let expected = [value, other, value ^ other, UInt64(flags)].map { String($0, radix: 16) }
                .joined(separator: ":")
            if context.description != expected { mismatches.append("\(context.description) != \(expected)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
    }

    // MARK: Parsing: accepted forms

    @Test func parsesTheFourFields() throws {
        let context = try SpanContext(parsing: "3e8:7d0:0:1")
        #expect(context.traceID == 1000)
        #expect(context.spanID == 2000)
        #expect(context.parentID == 0)
        #expect(context.flags.rawValue == 1)
        #expect(context.isSampled)
    }

    @Test func parsedContextCarriesNoProbabilityAndLevelZero() throws {
        let context = try SpanContext(parsing: "1:2:3:1")
        #expect(context.probability == 0)
        #expect(context.level == 0)
    }

    @Test func parsingAcceptsUpperLowerAndMixedCaseHex() throws {
        let upper = try SpanContext(parsing: "ABCDEF:FEDCBA9876543210:A:B")
        let lower = try SpanContext(parsing: "abcdef:fedcba9876543210:a:b")
        let mixed = try SpanContext(parsing: "AbCdEf:fEdCbA9876543210:A:b")
        for context in [upper, lower, mixed] {
            #expect(context.traceID == 0xABCDEF)
            #expect(context.spanID == 0xFEDC_BA98_7654_3210)
            #expect(context.parentID == 0xA)
            #expect(context.flags.rawValue == 0xB)
        }
    }

    @Test func parsingAcceptsSixteenDigits() throws {
        let context = try SpanContext(parsing: "ffffffffffffffff:FFFFFFFFFFFFFFFF:8000000000000000:1")
        #expect(context.traceID == .max)
        #expect(context.spanID == .max)
        #expect(context.parentID == 0x8000_0000_0000_0000)
    }

    @Test func parsingAcceptsLeadingZerosBeyondSixteenDigits() throws {
        let context = try SpanContext(parsing: "0000000000000000000000001:00000000000000000ffffffffffffffff:000:0001")
        #expect(context.traceID == 1)
        #expect(context.spanID == .max)
        #expect(context.parentID == 0)
        #expect(context.flags.rawValue == 1)
    }

    @Test(arguments: ["1:2:3:4:extra", "1:2:3:4:", "1:2:3:4::", "1:2:3:4:zz:yy:0x", "1:2:3:4: not hex at all"])
    func fieldsAfterTheFourthAreIgnored(_ text: String) throws {
        let context = try SpanContext(parsing: text)
        #expect(context.traceID == 1)
        #expect(context.spanID == 2)
        #expect(context.parentID == 3)
        #expect(context.flags.rawValue == 4)
    }

    @Test(arguments: [
        ("1:2:3:100", UInt8(0x00)),
        ("1:2:3:1ff", 0xFF),
        ("1:2:3:ffffffffffffff03", 0x03),
        ("1:2:3:ff", 0xFF),
        ("1:2:3:0", 0x00),
    ])
    func flagsKeepTheLowEightBits(_ text: String, _ flags: UInt8) throws {
        #expect(try SpanContext(parsing: text).flags.rawValue == flags)
    }

    @Test func parentIDZeroIsAccepted() throws {
        #expect(try SpanContext(parsing: "1:1:0:0").parentID == 0)
    }

    @Test func parsingFromBytesMatchesParsingFromText() throws {
        let text = "3e8:7d0:0:1"
        let expected = try SpanContext(parsing: text)
        #expect(try SpanContext(parsing: Array(text.utf8)) == expected)
        #expect(try SpanContext(parsing: text.utf8) == expected)
        // A collection without contiguous storage.
        #expect(try SpanContext(parsing: Array(text.utf8).lazy.map { $0 }) == expected)
        #expect(try SpanContext(parsing: ArraySlice(Array("xx3e8:7d0:0:1".utf8)).dropFirst(2)) == expected)
    }

    @Test func parsingBytesThatAreNotUTF8IsAnErrorNotACrash() {
        #expect(throws: SpanContextParseError.invalidNumber(field: 0)) {
            try SpanContext(parsing: [0xFF, 0xFE, 0x3A, 0x31, 0x3A, 0x30, 0x3A, 0x31])
        }
        #expect(throws: SpanContextParseError.invalidNumber(field: 3)) {
            try SpanContext(parsing: Array("1:2:3:".utf8) + [0xC3])
        }
        #expect(throws: SpanContextParseError.empty) { try SpanContext(parsing: [UInt8]()) }
    }

    @Test func losslessStringInitParsesOrReturnsNil() {
        #expect(SpanContext("3e8:7d0:0:1") == SpanContext(traceID: 1000, spanID: 2000, parentID: 0, flags: .sampled, level: 0))
        #expect(SpanContext("") == nil)
        #expect(SpanContext("0:0:0:0") == nil)
        #expect(SpanContext("not a context") == nil)
    }

    @Test func formattingThenParsingGivesBackTheFields() throws {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<1000 {
            let traceID = max(1, generator.next() >> (generator.next() % 64))
            let spanID = max(1, generator.next() >> (generator.next() % 64))
            let parentID = generator.next() % 4 == 0 ? 0 : generator.next() >> (generator.next() % 64)
            let flags = SpanContext.Flags(rawValue: UInt8(truncatingIfNeeded: generator.next()))
            let context = SpanContext(traceID: traceID, spanID: spanID, parentID: parentID, flags: flags)
            let parsed = try SpanContext(parsing: context.description)
            #expect(parsed.traceID == traceID)
            #expect(parsed.spanID == spanID)
            #expect(parsed.parentID == parentID)
            #expect(parsed.flags == flags)
        }
    }

    // MARK: Parsing: typed errors

    @Test func emptyTextIsItsOwnError() {
        #expect(throws: SpanContextParseError.empty) { try SpanContext(parsing: "") }
    }

    @Test(arguments: [("1", 1), ("1:2", 2), ("1:2:3", 3), ("abc", 1)])
    func fewerThanFourFieldsIsMissingFields(_ text: String, _ found: Int) {
        #expect(throws: SpanContextParseError.missingFields(found: found)) { try SpanContext(parsing: text) }
    }

    @Test(arguments: [
        ("zz:1:2:3", 0),
        ("1::2:3", 1),
        ("0x1:2:3:4", 0),
        ("+1:2:3:4", 0),
        ("-1:2:3:4", 0),
        (" 1:2:3:4", 0),
        ("1 :2:3:4", 0),
        ("1:2:3: 4", 3),
        ("1:2:3:4 ", 3),
        ("1:-2:3:4", 1),
        ("1:2:+3:4", 2),
        ("1:2:3:0x4", 3),
        ("1:2:3:g", 3),
        (":1:2:3", 0),
        ("1:2:3:", 3),
        ("10000000000000000:1:2:3", 0),
        ("1:10000000000000000:2:3", 1),
        ("1:2:10000000000000000:3", 2),
        ("1:2:3:10000000000000000", 3),
        ("1\t:2:3:4", 0),
        ("1:2:3:4\n", 3),
        ("１:2:3:4", 0),
    ])
    func malformedNumberIsInvalidNumberOfThatField(_ text: String, _ field: Int) {
        #expect(throws: SpanContextParseError.invalidNumber(field: field)) { try SpanContext(parsing: text) }
    }

    /// Three `:`-separated parts (the last one empty): malformed, whichever of the two
    /// malformed cases the parser names.
    @Test(arguments: ["1:2:", "1::", ":", "::", ":::"])
    func emptyTrailingPartsAreMalformed(_ text: String) {
        do {
            _ = try SpanContext(parsing: text)
            Issue.record("\"\(text)\" was accepted")
        } catch {
            #expect(error.isMalformed, "\(error)")
        }
    }

    @Test(arguments: ["0:0:0:0", "0:1:0:1", "1:0:0:1", "000:1:2:3", "1:0000000000000000000:2:3"])
    func zeroTraceOrSpanIDIsRejected(_ text: String) {
        #expect(throws: SpanContextParseError.zeroID) { try SpanContext(parsing: text) }
    }

    @Test func onlyMissingFieldsAndInvalidNumberCountAsMalformed() {
        #expect(SpanContextParseError.missingFields(found: 2).isMalformed)
        #expect(SpanContextParseError.invalidNumber(field: 0).isMalformed)
        #expect(!SpanContextParseError.empty.isMalformed)
        #expect(!SpanContextParseError.zeroID.isMalformed)
    }

    @Test func parseErrorsDescribeThemselves() {
        let errors: [SpanContextParseError] = [.empty, .missingFields(found: 2), .invalidNumber(field: 1), .zeroID]
        let descriptions = errors.map(\.description)
        #expect(descriptions.allSatisfy { !$0.isEmpty })
        #expect(Set(descriptions).count == errors.count)
    }
}
