import Dapper
import DapperOTLPWire
import DapperTesting
import DapperWireTestSupport
import Testing

private let resource = OTLPResource(serviceName: "fallback-service", attributes: [("deployment.environment", "test")])

private func decode(_ spans: [FinishedSpan], resource: OTLPResource = resource) throws -> DecodedOTLPRequest {
    let bytes = try OTLPSpanEncoder(resource: resource).encodeRequest(spans)
    return try #require(DecodedOTLPRequest(bytes))
}

private func span(
    service: String = "svc", name: String = "op", traceID: UInt64 = 0x0102_0304_0506_0708, spanID: UInt64 = 0x1112_1314_1516_1718,
    parentID: UInt64 = 0, flags: SpanContext.Flags = .sampled, tags: [SpanTag] = [], logs: [SpanLog] = [],
    references: [SpanReference] = []
) -> FinishedSpan {
    FinishedSpan(
        serviceName: service, operationName: name,
        context: SpanContext(traceID: traceID, spanID: spanID, parentID: parentID, flags: flags),
        startTimeNanos: 1_700_000_000_123_456_789, durationNanos: 2_500_000,
        tags: SpanTags(tags), logs: logs, references: references)
}

@Suite struct OTLPSpanEncoderTests {
    @Test func idsAreBigEndianWithTheTraceIDPaddedTo16Bytes() throws {
        let decoded = try decode([span(parentID: 0xAABB)]).spans[0]
        #expect(decoded.traceID == [0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8])
        #expect(decoded.spanID == [0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18])
        #expect(decoded.parentSpanID == [0, 0, 0, 0, 0, 0, 0xAA, 0xBB])
    }

    @Test func aTraceIDWithAHighHalfIsSentWholeInSpansAndLinks() throws {
        var wide = span(references: [
            SpanReference(kind: .followsFrom, traceID: 0x0102_0304_0506_0708, traceIDHigh: 0xF1F2_F3F4_F5F6_F7F8, spanID: 9),
            SpanReference(kind: .childOf, traceID: 0x0102_0304_0506_0708, spanID: 10),
        ])
        wide.context.traceIDHigh = 0xF1F2_F3F4_F5F6_F7F8
        let decoded = try decode([wide]).spans[0]
        #expect(decoded.traceID == [0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 1, 2, 3, 4, 5, 6, 7, 8])
        #expect(decoded.links.map(\.traceID) == [
            [0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6, 0xF7, 0xF8, 1, 2, 3, 4, 5, 6, 7, 8],
            [0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8],
        ])
    }

    @Test func aRootHasNoParentSpanID() throws {
        #expect(try decode([span(parentID: 0)]).spans[0].parentSpanID == [])
    }

    @Test func flagsCarryOnlyTheW3CSampledBitAndDebugBecomesAnAttribute() throws {
        let decoded = try decode([span(flags: .sampled), span(flags: []), span(flags: [.sampled, .debug])]).spans
        #expect(decoded.map(\.flags) == [1, 0, 1])
        #expect(decoded[0].attributeMap["dapper.debug"] == nil)
        #expect(decoded[2].attributeMap["dapper.debug"] == .bool(true))
    }

    @Test(arguments: [
        ("server", 2), ("client", 3), ("producer", 4), ("consumer", 5), ("internal", 1), ("SERVER", 1),
    ] as [(String, UInt32)])
    func kindComesFromTheSpanKindTag(tag: String, kind: UInt32) throws {
        let decoded = try decode([span(tags: [SpanTag(key: "span.kind", value: .string(tag))])]).spans[0]
        #expect(decoded.kind == kind)
        #expect(decoded.attributeMap["span.kind"] == nil)
    }

    @Test func theLastSpanKindTagWinsAndNoneIsInternal() throws {
        let tags = [SpanTag(key: "span.kind", value: "client"), SpanTag(key: "span.kind", value: "server")]
        let decoded = try decode([span(tags: tags), span()]).spans
        #expect(decoded.map(\.kind) == [2, 1])
        #expect(decoded[0].attributes.isEmpty)
    }

    @Test func timesAreUnixNanosAndTheEndIsStartPlusDuration() throws {
        let decoded = try decode([span()]).spans[0]
        #expect(decoded.start == 1_700_000_000_123_456_789)
        #expect(decoded.end == 1_700_000_000_125_956_789)
    }

    @Test func tagsAreTypedAttributesWithTheLastValueOfARepeatedKey() throws {
        let tags: [SpanTag] = [
            SpanTag(key: "s", value: "text"), SpanTag(key: "i", value: .int(-42)), SpanTag(key: "b", value: .bool(true)),
            SpanTag(key: "d", value: .double(0.25)), SpanTag(key: "s", value: .int(7)),
        ]
        let decoded = try decode([span(tags: tags)]).spans[0]
        #expect(decoded.attributes.count == 4)
        #expect(decoded.attributeMap == ["s": .int(7), "i": .int(-42), "b": .bool(true), "d": .double(0.25)])
    }

    @Test func manyTagsWithRepeatsAreUniqueToo() throws {
        // Past the pairwise scan's limit, through the repeat table.
        let tags = (0..<200).map { SpanTag(key: "k\($0 % 50)", value: .int(Int64($0))) }
        let decoded = try decode([span(tags: tags)]).spans[0]
        #expect(decoded.attributes.count == 50)
        #expect(decoded.attributeMap["k0"] == .int(150))
    }

    @Test func logsAreEventsNamedByTheirEventField() throws {
        let logs = [
            SpanLog(timestampNanos: 5, fields: [SpanLogField(key: "event", value: "cache.miss"), SpanLogField(key: "key", value: "u:1")]),
            SpanLog(timestampNanos: 6, fields: [SpanLogField(key: "message", value: "hello")]),
            SpanLog(timestampNanos: 7, fields: [SpanLogField(key: "a", value: "1"), SpanLogField(key: "a", value: "2")]),
        ]
        let decoded = try decode([span(logs: logs)]).spans[0]
        #expect(decoded.events == [
            DecodedEvent(time: 5, name: "cache.miss", attributes: ["key": .string("u:1")], attributeKeys: ["key"]),
            DecodedEvent(time: 6, name: "log", attributes: ["message": .string("hello")], attributeKeys: ["message"]),
            DecodedEvent(time: 7, name: "log", attributes: ["a": .string("2")], attributeKeys: ["a"]),
        ])
    }

    @Test func aLogWithManyFieldsKeepsTheLastOfEachKey() throws {
        let fields = (0..<100).map { SpanLogField(key: "f\($0 % 10)", value: "\($0)") }
        let decoded = try decode([span(logs: [SpanLog(timestampNanos: 1, fields: SpanLogFields(fields))])]).spans[0]
        #expect(decoded.events[0].attributeKeys.count == 10)
        #expect(decoded.events[0].attributes["f3"] == .string("93"))
    }

    @Test func referencesAreLinksWithTheirKind() throws {
        let references = [
            SpanReference(kind: .childOf, traceID: 1, spanID: 2), SpanReference(kind: .followsFrom, traceID: 3, spanID: 4),
        ]
        let decoded = try decode([span(references: references)]).spans[0]
        #expect(decoded.links == [
            DecodedLink(traceID: OTLPExpectedSpan.traceID(1), spanID: OTLPExpectedSpan.bigEndian(2), attributes: ["dapper.reference.kind": .string("child_of")]),
            DecodedLink(traceID: OTLPExpectedSpan.traceID(3), spanID: OTLPExpectedSpan.bigEndian(4), attributes: ["dapper.reference.kind": .string("follows_from")]),
        ])
    }

    @Test func anErrorSpanHasStatusErrorWithTheLoggedMessage() throws {
        let recorder = InMemoryReporter()
        let tracer = DapperTracer(serviceName: "svc", reporter: recorder, sampler: AlwaysSampler(), defaultTags: [])
        struct Failure: Error, CustomStringConvertible { var description: String { "disk full" } }
        tracer.new("op", debug: false).finish(error: Failure())
        let finished = try #require(recorder.spans.first)
        let decoded = try decode([finished]).spans[0]
        #expect(decoded.statusCode == 2)
        #expect(decoded.statusMessage.contains("disk full"))
        #expect(decoded.attributeMap["error"] == .bool(true))
    }

    // The status message is written twice, as the event's attribute and as the status: the
    // output's room must count it twice (protobuf-c writes without bounds).
    @Test func aLongErrorMessageIsWrittenWholeTwice() throws {
        let message = String(repeating: "m", count: 40_000)
        let spans = (0..<3).map { index in
            span(spanID: UInt64(index + 1), tags: [SpanTag(key: "error", value: .bool(true))],
                logs: [SpanLog(timestampNanos: 1, fields: [SpanLogField(key: "message", value: message)])])
        }
        let decoded = try decode(spans).spans
        #expect(decoded.count == 3)
        #expect(decoded.allSatisfy { $0.statusMessage == message && $0.events.first?.attributes["message"] == .string(message) })
    }

    @Test func statusIsUnsetUnlessTheLastErrorTagIsTrue() throws {
        let decoded = try decode([
            span(tags: [SpanTag(key: "error", value: .bool(false))]),
            span(tags: [SpanTag(key: "error", value: .bool(true)), SpanTag(key: "error", value: .bool(false))]),
            span(tags: [SpanTag(key: "error", value: "true")], logs: [SpanLog(timestampNanos: 1, fields: [SpanLogField(key: "message", value: "boom")])]),
        ]).spans
        #expect(decoded.map(\.hasStatus) == [false, false, true])
        #expect(decoded[2].statusCode == 2 && decoded[2].statusMessage == "boom")
    }

    @Test func spansAreGroupedByServiceInOrderOfFirstAppearance() throws {
        let spans = [
            span(service: "a", spanID: 1), span(service: "b", spanID: 2), span(service: "a", spanID: 3),
            span(service: "", spanID: 4), span(service: "b", spanID: 5), span(service: "c", spanID: 6),
        ]
        let decoded = try decode(spans)
        #expect(decoded.resourceGroups.map(\.serviceName) == ["a", "b", "fallback-service", "c"])
        #expect(decoded.resourceGroups.map(\.scopeSpans) == [1, 1, 1, 1])
        #expect(decoded.resourceGroups.map(\.spans) == [2, 2, 1, 1])
        #expect(decoded.spans.map { $0.spanID.last! } == [1, 3, 2, 5, 4, 6])
        for span in decoded.spans {
            #expect(span.resource["deployment.environment"] == "test")
            #expect(span.resourceKeys == ["service.name", "deployment.environment"])
        }
    }

    @Test func configuredResourceAttributesAreUniqueAndNeverReplaceServiceName() throws {
        let resource = OTLPResource(
            serviceName: "x", attributes: [("k", "1"), ("service.name", "wrong"), ("k", "2"), ("host.name", "h")])
        let decoded = try decode([span(service: "svc")], resource: resource).spans[0]
        #expect(decoded.resourceKeys == ["service.name", "k", "host.name"])
        #expect(decoded.resource == ["service.name": "svc", "k": "2", "host.name": "h"])
    }

    @Test func unicodeAndNULSurviveInNamesKeysAndValues() throws {
        let text = "naïve \u{0}日本語 🚀\u{0}"
        let decoded = try decode([
            span(
                service: "svc\u{0}é", name: text, tags: [SpanTag(key: text, value: .string(text))],
                logs: [SpanLog(timestampNanos: 1, fields: [SpanLogField(key: "event", value: text), SpanLogField(key: text, value: text)])])
        ]).spans[0]
        #expect(decoded.name == text)
        #expect(decoded.resource["service.name"] == "svc\u{0}é")
        #expect(decoded.attributeMap == [text: .string(text)])
        #expect(decoded.events[0].name == text)
        #expect(decoded.events[0].attributes == [text: .string(text)])
    }

    @Test func anEmptyBatchIsAnEmptyRequest() throws {
        let bytes = try OTLPSpanEncoder(resource: resource).encodeRequest([FinishedSpan]())
        #expect(bytes.isEmpty)
        #expect(DecodedOTLPRequest(bytes)?.spans.isEmpty == true)
    }

    @Test func timesOTLPCannotCarryAreTypedErrors() {
        let encoder = OTLPSpanEncoder(resource: resource)
        var negative = span()
        negative.startTimeNanos = -1
        #expect(throws: OTLPEncodingError.invalidTime(index: 1, startNanos: -1, durationNanos: 2_500_000)) {
            try encoder.encodeRequest([span(), negative])
        }
        var overflowing = span()
        overflowing.durationNanos = .max
        #expect(throws: OTLPEncodingError.self) { try encoder.encodeRequest([overflowing]) }
        var backwards = span()
        backwards.durationNanos = -5
        #expect(throws: OTLPEncodingError.self) { try encoder.encodeRequest([backwards]) }
        let badLog = span(logs: [SpanLog(timestampNanos: -3, fields: [])])
        #expect(throws: OTLPEncodingError.invalidLogTime(index: 0, timestampNanos: -3)) { try encoder.encodeRequest([badLog]) }
        // The encoder is usable after a failure.
        #expect((try? encoder.encodeRequest([span()]))?.isEmpty == false)
    }

    @Test func everyLegacyGoVectorDecodesAsTheMappingSays() throws {
        let vectors = WireVectors.spans
        #expect(vectors.count > 10)
        let encoder = OTLPSpanEncoder(resource: resource)
        for vector in vectors {
            let decoded = try #require(DecodedOTLPRequest(try encoder.encodeRequest([vector.span])), "\(vector)")
            try #require(decoded.spans.count == 1, "\(vector)")
            OTLPExpectedSpan.check(
                decoded.spans[0], against: vector.span, serviceName: vector.span.serviceName.isEmpty ? "fallback-service" : nil)
        }
    }

    @Test func oneEncoderReusedOverBatchesGivesWhatAFreshOneGives() throws {
        var random = SplitMix64(seed: 7)
        let reused = OTLPSpanEncoder(resource: resource)
        for round in 0..<20 {
            let batch = (0..<(round % 7)).map { _ in randomSpan(using: &random) }.filter(OTLPExpectedSpan.isCarriable)
            let fresh = try OTLPSpanEncoder(resource: resource).encodeRequest(batch)
            #expect(try reused.encodeRequest(batch) == fresh)
            let decoded = try #require(DecodedOTLPRequest(fresh))
            #expect(decoded.spans.count == batch.count)
        }
    }

    @Test func theEnvelopeWrittenByHandIsWhatProtobufCPacks() throws {
        // The request, ResourceSpans and ScopeSpans are written by the encoder, not protobuf-c.
        var random = SplitMix64(seed: 0xE4_7E)
        var spans = (0..<300).map { _ in randomSpan(using: &random) }.filter(OTLPExpectedSpan.isCarriable)
        spans += WireVectors.spans.map(\.span)
        spans.append(span(service: "big", logs: [SpanLog(timestampNanos: 1, fields: [SpanLogField(key: "k", value: String(repeating: "v", count: 70_000))])]))
        let encoder = OTLPSpanEncoder(resource: resource)
        for batch in [spans, [spans[0]], Array(spans.suffix(3))] {
            let bytes = try encoder.encodeRequest(batch)
            #expect(DecodedOTLPRequest.repacked(bytes) == bytes)
        }
    }

    @Test func randomSpansDecodeAsTheMappingSays() throws {
        var random = SplitMix64(seed: 0xD0_7E)
        let spans = (0..<200).map { _ in randomSpan(using: &random) }.filter(OTLPExpectedSpan.isCarriable)
        #expect(spans.count > 100)
        let decoded = try decode(spans)
        let byID = Dictionary(spans.map { (OTLPExpectedSpan.bigEndian($0.context.spanID) + OTLPExpectedSpan.traceID($0.context.traceID), $0) }, uniquingKeysWith: { first, _ in first })
        #expect(decoded.spans.count == spans.count)
        for span in decoded.spans {
            let original = try #require(byID[span.spanID + span.traceID])
            OTLPExpectedSpan.check(span, against: original, serviceName: original.serviceName.isEmpty ? "fallback-service" : nil)
        }
    }
}
