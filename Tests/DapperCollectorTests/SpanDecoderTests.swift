import Dapper
import DapperCollector
import DapperWire
import DapperWireTestSupport
import Testing

@Suite struct SpanDecoderTests {
    /// span.proto carries no flags: a decoded span is sampled, and debug when tagged so.
    private func wireContext(_ span: FinishedSpan) -> FinishedSpan {
        var span = span
        span.context.flags = span.tag(SpanTagKey.debug) == .bool(true) ? [.sampled, .debug] : .sampled
        return span
    }

    @Test(arguments: WireVectors.spans)
    func decodingTheVectorsBytesGivesTheVectorsSpan(_ vector: WireVector) throws {
        let span = try SpanDecoder().decode(vector.bytes)
        #expect(span == wireContext(vector.span))
    }

    @Test(arguments: WireVectors.spans)
    func decodingTheGoOriginalsBytesGivesTheSameSpan(_ vector: WireVector) throws {
        // The original marked float tags BOOL; their 8-byte values still decode as doubles.
        let span = try SpanDecoder().decode(vector.legacyBytes)
        #expect(span == wireContext(vector.span))
    }

    @Test func randomSpansSurviveAnEncodeDecodeRoundTrip() throws {
        var random = SplitMix64(seed: 0x5EED)
        let encoder = SpanEncoder()
        let decoder = SpanDecoder()
        for _ in 0..<500 {
            let span = randomSpan(using: &random)
            let decoded = try decoder.decode(try encoder.encode(span))
            #expect(decoded == wireContext(span))
        }
    }

    @Test func inputOverTheLimitIsRejectedUnread() {
        let decoder = SpanDecoder(maximumSize: 16)
        #expect(throws: SpanDecodingError.tooLarge(size: 17, limit: 16)) {
            try decoder.decode([UInt8](repeating: 0, count: 17))
        }
    }

    @Test func emptyInputIsAVersionZeroSpanAndRejected() {
        #expect(throws: SpanDecodingError.unsupportedVersion(0)) { try SpanDecoder().decode([UInt8]()) }
    }

    @Test func otherVersionsAreRejected() {
        #expect(throws: SpanDecodingError.unsupportedVersion(2)) { try SpanDecoder().decode([0x98, 0x06, 0x02]) }
    }

    @Test func everyTruncationOfAVectorIsRejectedOrDecodedWithoutCrashing() throws {
        let decoder = SpanDecoder()
        for vector in WireVectors.spans {
            for length in 0..<vector.bytes.count {
                let prefix = Array(vector.bytes[..<length])
                // Prefixes ending on a field boundary are valid messages without version 1.
                #expect(throws: SpanDecodingError.self) { try decoder.decode(prefix) }
            }
        }
    }

    @Test func garbageIsMalformed() {
        #expect(throws: SpanDecodingError.malformed) { try SpanDecoder().decode([0xff, 0xff, 0xff]) }
        // A length prefix running past the end.
        #expect(throws: SpanDecodingError.malformed) { try SpanDecoder().decode([0x0a, 0x05, 0x61]) }
    }

    @Test func textThatIsNotUTF8IsATypedError() {
        #expect(throws: SpanDecodingError.invalidUTF8(field: "service_name")) {
            try SpanDecoder().decode([0x0a, 0x02, 0xc3, 0x28, 0x98, 0x06, 0x01])
        }
    }

    @Test func tagValuesOfTheWrongWidthAreTypedErrors() {
        // Tag{key: "k", kind: INT, value: 2 bytes}
        let intTag: [UInt8] = [0x5a, 0x09, 0x0a, 0x01, 0x6b, 0x10, 0x01, 0x1a, 0x02, 0x00, 0x01, 0x98, 0x06, 0x01]
        #expect(throws: SpanDecodingError.invalidTagValue(key: "k", kind: 1, length: 2)) {
            try SpanDecoder().decode(intTag)
        }
        // Tag{key: "k", kind: 7}
        let unknownKind: [UInt8] = [0x5a, 0x05, 0x0a, 0x01, 0x6b, 0x10, 0x07, 0x98, 0x06, 0x01]
        #expect(throws: SpanDecodingError.unknownTagKind(key: "k", kind: 7)) {
            try SpanDecoder().decode(unknownKind)
        }
    }

    @Test func timesBeyondSixtyFourBitNanosecondsAreTypedErrors() {
        // start_time{seconds: 2^62}
        let bytes: [UInt8] = [0xa2, 0x01, 0x0a, 0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40, 0x98, 0x06, 0x01]
        #expect(throws: SpanDecodingError.timeOutOfRange(field: "start_time")) { try SpanDecoder().decode(bytes) }
    }

    @Test func aLegacyLogWithKeyAndValueBecomesOneField() throws {
        // Log{key: "k", value: "v", timestamp: 5}
        let bytes: [UInt8] = [0x62, 0x08, 0x0a, 0x01, 0x6b, 0x1a, 0x01, 0x76, 0x20, 0x05, 0x98, 0x06, 0x01]
        let span = try SpanDecoder().decode(bytes)
        #expect(span.logs == [SpanLog(timestampNanos: 5, fields: [SpanLogField(key: "k", value: "v")])])
    }

    @Test func aDecoderSurvivesSpansLargerThanItsArena() throws {
        var span = FinishedSpan(
            serviceName: "svc", operationName: "op", context: SpanContext(traceID: 1, spanID: 1, flags: .sampled),
            startTimeNanos: 1, durationNanos: 1)
        for index in 0..<2000 { span.tags.append(SpanTag(key: "k\(index)", value: .int(Int64(index)))) }
        let bytes = try SpanEncoder(maximumSize: 1 << 20).encode(span)
        let decoder = SpanDecoder(maximumSize: 1 << 20)
        for _ in 0..<3 { #expect(try decoder.decode(bytes) == span) }
    }
}
