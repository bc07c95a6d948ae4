import Dapper
import DapperWire
import Testing

@Suite struct SpanEncoderTests {
    @Test func theVectorsFileIsRead() {
        #expect(WireVectors.spans.count == 12, "read from \(WireVectors.url.path)")
    }

    @Test(arguments: WireVectors.spans)
    func encodingEqualsTheVectorsBytes(_ vector: WireVector) throws {
        let encoder = SpanEncoder()
        let bytes = try encoder.encode(vector.span)
        #expect(hex(bytes) == hex(vector.bytes))
    }

    @Test func anEncoderReusedForDifferentSpansGivesEachItsOwnBytes() throws {
        let encoder = SpanEncoder()
        for _ in 0..<3 {
            for vector in WireVectors.spans.reversed() {
                #expect(try encoder.encode(vector.span) == vector.bytes, "\(vector.name)")
            }
        }
    }

    @Test func stringsContainingNULAreEncodedWhole() throws {
        let span = FinishedSpan(
            serviceName: "a\0b", operationName: "op\0",
            context: SpanContext(traceID: 1, spanID: 1, flags: .sampled),
            startTimeNanos: 0, durationNanos: 0,
            tags: [SpanTag(key: "k\0", value: .string("v\0w"))],
            logs: [SpanLog(timestampNanos: 1, fields: [SpanLogField(key: "\0", value: "\0\0")])])
        let bytes = try SpanEncoder().encode(span)
        let expected: [UInt8] =
            [0x0a, 3, 0x61, 0, 0x62, 0x12, 3, 0x6f, 0x70, 0, 0x20, 1, 0x28, 1]
            + [0x5a, 9, 0x0a, 2, 0x6b, 0, 0x1a, 3, 0x76, 0, 0x77]
            + [0x62, 11, 0x20, 1, 0x2a, 7, 0x0a, 1, 0, 0x12, 2, 0, 0]
            + [0xa2, 1, 0, 0xaa, 1, 0, 0x98, 6, 1]
        #expect(hex(bytes) == hex(expected))
    }

    @Test func referencesAreEncodedInFieldTwentyTwo() throws {
        let span = FinishedSpan(
            serviceName: "", operationName: "", context: SpanContext(traceID: 1, spanID: 2),
            startTimeNanos: 0, durationNanos: 0,
            references: [SpanReference(kind: .followsFrom, traceID: 3, spanID: 4)])
        let bytes = try SpanEncoder().encode(span)
        #expect(hex(bytes) == "20012802" + "a20100" + "aa0100" + "b20106080110031804" + "980601")
    }

    @Test func negativeStartTimesKeepNonNegativeTimestampNanos() throws {
        let span = FinishedSpan(
            serviceName: "", operationName: "", context: SpanContext(traceID: 1, spanID: 1),
            startTimeNanos: -1, durationNanos: -1)
        // Timestamp{seconds: -1, nanos: 999999999}; Duration{nanos: -1}, as protobuf requires.
        let bytes = try SpanEncoder().encode(span)
        #expect(hex(bytes) == "20012801" + "a20111" + "08ffffffffffffffffff01" + "10ff93ebdc03"
            + "aa010b" + "10ffffffffffffffffff01" + "980601")
    }
}
