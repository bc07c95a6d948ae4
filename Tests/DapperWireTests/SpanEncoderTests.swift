import Dapper
import DapperCollector
import DapperTesting
import DapperWire
import DapperWireTestSupport
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

    /// A span of a trace that came with a 128-bit ID is the Go original's bytes plus Dapper's
    /// field 23 (`trace_id_high`, fixed64) before the trailing `version`, which the collector
    /// reads back; references keep their low half only (SpanRef has no room for more).
    @Test(arguments: WireVectors.spans)
    func theHighHalfOfATraceIDTravelsInFieldTwentyThree(_ vector: WireVector) throws {
        let high: UInt64 = 0x0af7_6519_16cd_43dd
        var wide = vector.span
        wide.context.traceIDHigh = high
        wide.references = wide.references.map {
            SpanReference(kind: $0.kind, traceID: $0.traceID, traceIDHigh: high, spanID: $0.spanID)
        }
        let bytes = try SpanEncoder().encode(wide)
        let version: [UInt8] = [0x98, 0x06, 0x01]
        try #require(Array(vector.bytes.suffix(3)) == version)
        let field23 = [0xb9, 0x01] + (0..<8).map { UInt8(truncatingIfNeeded: high >> (8 * UInt64($0))) }
        #expect(hex(bytes) == hex(vector.bytes.dropLast(3) + field23 + version))
        let decoded = try SpanDecoder().decode(bytes)
        #expect(decoded.context.traceIDHigh == high)
        #expect(decoded.context.traceID == vector.span.context.traceID)
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

    // MARK: Oversize spans (Compatibility §7)

    private func bigSpan(logs: Int, tags: Int, operationName: String = "op") -> FinishedSpan {
        var span = FinishedSpan(
            serviceName: "svc", operationName: operationName,
            context: SpanContext(traceID: 1, spanID: 2, flags: .sampled),
            startTimeNanos: 1, durationNanos: 1)
        for index in 0..<tags { span.tags.append(SpanTag(key: "tag\(index)", value: .string(String(repeating: "t", count: 200)))) }
        for index in 0..<logs {
            span.logs.append(SpanLog(timestampNanos: Int64(index), fields: [SpanLogField(key: "log\(index)", value: String(repeating: "l", count: 500))]))
        }
        return span
    }

    @Test func encodingIntoTheCallersMemoryWritesTheSameBytesWithinTheBoundItAskedFor() throws {
        let encoder = SpanEncoder()
        let spans = WireVectors.spans.map(\.span) + [bigSpan(logs: 0, tags: 1), bigSpan(logs: 100, tags: 10)]
        for span in spans {
            let (expected, expectedEncoding) = try SpanEncoder().withEncodedBytes(of: span) { (Array($0), $1) }
            var memory = [UInt8](repeating: 0xAA, count: 64 * 1024)
            var asked = 0
            let (written, encoding) = try memory.withUnsafeMutableBytes { memory in
                try encoder.encode(span) { bound in
                    asked = bound
                    return memory.baseAddress! + 7
                }
            }
            #expect(written <= asked)
            #expect(Array(memory[7..<(7 + written)]) == expected)
            #expect(memory[7 + written] == 0xAA)
            #expect(encoding == expectedEncoding)
        }
        #expect(throws: SpanEncodingError.self) {
            _ = try encoder.encode(bigSpan(logs: 0, tags: 0, operationName: String(repeating: "o", count: 40_000))) { _ in
                Issue.record("room asked for a span that does not fit")
                return UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)
            }
        }
    }

    @Test func anOversizeSpanLosesLogsFromTheEndAndIsMarked() throws {
        let span = bigSpan(logs: 100, tags: 10)
        let encoder = SpanEncoder()
        let (bytes, encoding) = try encoder.withEncodedBytes(of: span) { (Array($0), $1) }
        #expect(bytes.count <= SpanEncoder.defaultMaximumSize)
        #expect(encoding.isTruncated)
        #expect(encoding.droppedTags == 0)
        let decoded = try SpanDecoder().decode(bytes)
        #expect(decoded.logs.count == 100 - encoding.droppedLogs)
        #expect(Array(decoded.logs) == Array(span.logs.prefix(decoded.logs.count)))
        #expect(Array(decoded.tags.dropLast()) == Array(span.tags))
        #expect(decoded.tags.last == SpanTag(key: "trace.error", value: .string("span truncated")))
        // As many logs as fit are kept: one more would not.
        var oneMore = decoded
        oneMore.logs.append(span.logs[decoded.logs.count])
        #expect(try SpanEncoder(maximumSize: 1 << 20).encode(oneMore).count > SpanEncoder.defaultMaximumSize)
    }

    @Test func anOversizeSpanLosesTagsFromTheEndOnceItsLogsAreGone() throws {
        let span = bigSpan(logs: 5, tags: 300)
        let (bytes, encoding) = try SpanEncoder().withEncodedBytes(of: span) { (Array($0), $1) }
        #expect(bytes.count <= SpanEncoder.defaultMaximumSize)
        #expect(encoding.droppedLogs == 5)
        #expect(encoding.droppedTags > 0)
        let decoded = try SpanDecoder().decode(bytes)
        #expect(decoded.logs.isEmpty)
        #expect(decoded.tags.count == 300 - encoding.droppedTags + 1)
        #expect(Array(decoded.tags.dropLast()) == Array(span.tags.prefix(300 - encoding.droppedTags)))
        #expect(decoded.tags.last == SpanTag(key: "trace.error", value: .string("span truncated")))
    }

    @Test func anOversizeSpanLosesReferencesAfterItsLogsAndBeforeItsTags() throws {
        var span = bigSpan(logs: 3, tags: 10)
        // 2 000 references of about 24 bytes: more than the 32 KiB on their own.
        span.references = (0..<2000).map { SpanReference(kind: .followsFrom, traceID: 0xffff_ffff_ffff, spanID: UInt64($0) << 40) }
        let (bytes, encoding) = try SpanEncoder().withEncodedBytes(of: span) { (Array($0), $1) }
        #expect(bytes.count <= SpanEncoder.defaultMaximumSize)
        #expect(encoding.droppedLogs == 3)
        #expect(encoding.droppedReferences > 0 && encoding.droppedReferences < 2000)
        #expect(encoding.droppedTags == 0)
        let decoded = try SpanDecoder().decode(bytes)
        #expect(decoded.references == Array(span.references.prefix(2000 - encoding.droppedReferences)))
        #expect(Array(decoded.tags.dropLast()) == Array(span.tags))
        #expect(decoded.tags.last == SpanTag(key: "trace.error", value: .string("span truncated")))
    }

    @Test func aSpanWhoseNamesAloneAreTooLargeIsRejected() {
        let span = bigSpan(logs: 1, tags: 1, operationName: String(repeating: "o", count: 40_000))
        #expect(throws: SpanEncodingError.self) { try SpanEncoder().encode(span) }
        do {
            _ = try SpanEncoder().encode(span)
        } catch {
            guard case .oversize(let size, let limit) = error else { return }
            #expect(size > 40_000)
            #expect(limit == SpanEncoder.defaultMaximumSize)
        }
    }

    @Test func aSpanJustUnderTheLimitIsSentWhole() throws {
        let encoder = try SpanEncoder(maximumSize: 1024)
        var span = bigSpan(logs: 0, tags: 0)
        var previous: [UInt8] = []
        // Grow the operation name until the encoding reaches the limit exactly.
        while true {
            let (bytes, encoding) = try encoder.withEncodedBytes(of: span) { (Array($0), $1) }
            #expect(!encoding.isTruncated)
            if bytes.count >= 1024 { #expect(bytes.count == 1024); break }
            previous = bytes
            span.operationName += "x"
        }
        #expect(!previous.isEmpty)
        span.operationName += "x"
        #expect(throws: SpanEncodingError.oversize(size: 1025, limit: 1024)) { try encoder.encode(span) }
    }

    @Test func anEncoderKeepsWorkingAfterAnOversizeSpan() throws {
        let encoder = SpanEncoder()
        _ = try encoder.encode(bigSpan(logs: 100, tags: 10))
        #expect(throws: SpanEncodingError.self) { try encoder.encode(bigSpan(logs: 0, tags: 0, operationName: String(repeating: "o", count: 40_000))) }
        for vector in WireVectors.spans { #expect(try encoder.encode(vector.span) == vector.bytes) }
    }

    // MARK: The shared tag prefix, encoded once per tracer

    private func tracerSpans(defaultTags: [SpanTag], count: Int, bigLogs: Bool = false) -> [FinishedSpan] {
        let reporter = InMemoryReporter()
        let tracer = DapperTracer(serviceName: "svc", reporter: reporter, sampler: .always, defaultTags: defaultTags)
        for index in 0..<count {
            let span = tracer.new("op-\(index)")
            span.setTag("index", index)
            if bigLogs {
                for _ in 0..<100 { span.setLog("line", String(repeating: "x", count: 500)) }
            }
            span.finish()
        }
        return reporter.spans
    }

    @Test func spansOfTracersWithDifferentDefaultTagsEachGetTheirOwnPrefix() throws {
        let first = tracerSpans(defaultTags: [SpanTag(key: "region", value: "a"), SpanTag(key: "zone", value: "b")], count: 3)
        let second = tracerSpans(defaultTags: [SpanTag(key: "region", value: "c")], count: 3)
        let shared = SpanEncoder()
        // Interleaved, so that the cached prefix changes between spans.
        let plain = WireVectors.spans[0].span  // tags without a shared prefix
        for (a, b) in zip(first, second) {
            for span in [a, b, a, plain, a] {
                let bytes = try shared.encode(span)
                #expect(bytes == (try SpanEncoder().encode(span)))
                #expect(Array(try SpanDecoder().decode(bytes).tags) == Array(span.tags))
            }
        }
    }

    @Test func onePrefixCopiedByTwoThreadsAndPrefixesChangedAfterTheFinishEncodeAsWithoutTheCache() throws {
        let spans = try PrefixCopySpans.spans()
        let encoder = SpanEncoder()
        for span in spans + spans.reversed() {
            let bytes = try encoder.encode(span)
            #expect(bytes == (try SpanEncoder().encode(span)))
            #expect(Array(try SpanDecoder().decode(bytes).tags) == Array(span.tags))
        }
    }

    @Test func aShrinkIntoTheDefaultTagsDoesNotSpoilTheCachedPrefix() throws {
        // Default tags alone over 32 KiB: shrinking must drop some of them, and the marker
        // takes one of the cached prefix's slots.
        let defaults = (0..<200).map { SpanTag(key: "default\($0)", value: .string(String(repeating: "d", count: 200))) }
        let spans = tracerSpans(defaultTags: defaults, count: 3, bigLogs: true)
        let encoder = SpanEncoder()
        for span in spans {
            let bytes = try encoder.encode(span)
            #expect(bytes == (try SpanEncoder().encode(span)))
            let decoded = try SpanDecoder().decode(bytes)
            #expect(decoded.tag("trace.error") == .string("span truncated"))
            #expect(decoded.tags.count < 200)
        }
        // Then spans of another tracer, whose prefix must not show the marker.
        for span in tracerSpans(defaultTags: [SpanTag(key: "region", value: "r")], count: 2) {
            #expect(try encoder.encode(span) == (try SpanEncoder().encode(span)))
        }
    }

    @Test func aMaximumSizeBelow256BytesIsATypedErrorNotACrash() throws {
        #expect(throws: SpanEncoderError.maximumSizeTooSmall(255)) { try SpanEncoder(maximumSize: 255) }
        #expect(throws: SpanEncoderError.maximumSizeTooSmall(-1)) { try SpanEncoder(maximumSize: -1) }
        #expect(try SpanEncoder(maximumSize: 256).maximumSize == 256)
        #expect("\(SpanEncoderError.maximumSizeTooSmall(10))" == "the maximum span size must be at least 256 bytes, got 10")
    }
}
