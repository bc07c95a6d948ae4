import CDapperZipkinProto
import CProtobufC
import Dapper
import DapperTesting
import DapperWireTestSupport
import DapperZipkinWire
import Foundation
import Testing

/// The proto3 encoding carries what the JSON encoding does: decoded with protobuf-c here
/// (and with Python's protobuf and zipkin.proto in Scripts/test), each span equals its
/// Zipkin JSON object.
@Suite struct ZipkinProtoEncoderTests {
    /// A decoded proto3 span in the JSON model's shape.
    private func jsonShape(_ span: Zipkin__Proto3__Span) -> NSDictionary {
        func hex(_ data: ProtobufCBinaryData) -> String {
            (0..<data.len).map { String(format: "%02x", data.data[$0]) }.joined()
        }
        func text(_ data: ProtobufCBinaryData) -> String {
            data.len == 0 ? "" : String(decoding: UnsafeBufferPointer(start: data.data, count: data.len), as: UTF8.self)
        }
        let object = NSMutableDictionary()
        object["traceId"] = hex(span.trace_id)
        object["id"] = hex(span.id)
        if span.parent_id.len > 0 { object["parentId"] = hex(span.parent_id) }
        object["name"] = text(span.name)
        let kinds = [1: "CLIENT", 2: "SERVER", 3: "PRODUCER", 4: "CONSUMER"]
        if let kind = kinds[Int(span.kind.rawValue)] { object["kind"] = kind }
        object["timestamp"] = Int64(bitPattern: span.timestamp)
        object["duration"] = Int64(span.duration)
        object["localEndpoint"] = ["serviceName": text(span.local_endpoint.pointee.service_name)]
        if span.n_tags > 0 {
            let tags = NSMutableDictionary()
            for index in 0..<span.n_tags { tags[text(span.tags[index]!.pointee.key)] = text(span.tags[index]!.pointee.value) }
            object["tags"] = tags
        }
        if span.n_annotations > 0 {
            object["annotations"] = (0..<span.n_annotations).map { index -> NSDictionary in
                let annotation = span.annotations[index]!.pointee
                return ["timestamp": Int64(bitPattern: annotation.timestamp), "value": text(annotation.value)]
            }
        }
        return object
    }

    func decodeList(_ bytes: [UInt8]) throws -> [NSDictionary] {
        let list = try #require(bytes.withUnsafeBufferPointer {
            zipkin__proto3__list_of_spans__unpack(nil, $0.count, $0.baseAddress)
        })
        defer { zipkin__proto3__list_of_spans__free_unpacked(list, nil) }
        return (0..<list.pointee.n_spans).map { jsonShape(list.pointee.spans[$0]!.pointee) }
    }

    func jsonObjects(_ spans: [FinishedSpan]) throws -> [NSDictionary] {
        var buffer: [UInt8] = []
        ZipkinJSONEncoder().appendList(spans, to: &buffer)
        return try #require(try JSONSerialization.jsonObject(with: Data(buffer)) as? [NSDictionary])
    }

    @Test func everyVectorSpanCarriesWhatItsJSONObjectDoes() throws {
        let spans = WireVectors.spans.map(\.span)
        let decoded = try decodeList(ZipkinProtoEncoder().encodeList(spans))
        #expect(decoded == (try jsonObjects(spans)))
    }

    @Test func randomSpansCarryWhatTheirJSONObjectsDoAcrossReusedBuffers() throws {
        var random = SplitMix64(seed: 77)
        let encoder = ZipkinProtoEncoder()
        for batch in 0..<20 {
            let spans = (0..<(batch * 7 % 50)).map { _ in randomSpan(using: &random) }
            #expect(try decodeList(encoder.encodeList(spans)) == (try jsonObjects(spans)), "batch \(batch)")
        }
    }

    @Test func aTraceIDWithAHighHalfIsSentIn16BytesAndAsTheJSONSendsIt() throws {
        var spans = WireVectors.spans.map(\.span)
        for index in spans.indices { spans[index].context.traceIDHigh = UInt64(index + 1) << 56 | 0xabcdef }
        let decoded = try decodeList(ZipkinProtoEncoder().encodeList(spans))
        #expect(decoded == (try jsonObjects(spans)))
        #expect(decoded.allSatisfy { ($0["traceId"] as? String)?.count == 32 })
        #expect(decoded.first?["traceId"] as? String == "0100000000abcdef" + String(format: "%016llx", spans[0].context.traceID))
    }

    @Test func anEmptyListEncodesToNoBytes() {
        #expect(ZipkinProtoEncoder().encodeList([FinishedSpan]()).isEmpty)
    }
}

extension ZipkinProtoEncoderTests {
    @Test func spansOfSeveralTracersInOneBatchKeepTheirOwnDefaultTags() throws {
        func spans(_ defaults: [SpanTag], overriding: Bool) -> [FinishedSpan] {
            let reporter = InMemoryReporter()
            let tracer = DapperTracer(serviceName: "svc", reporter: reporter, sampler: .always, defaultTags: defaults)
            for index in 0..<4 {
                let span = tracer.new("op-\(index)")
                span.setTag("index", index)
                if overriding { span.setTag("region", "overridden-\(index)") }
                span.finish()
            }
            return reporter.spans
        }
        let first = spans([SpanTag(key: "region", value: "a"), SpanTag(key: "zone", value: "b")], overriding: false)
        let second = spans([SpanTag(key: "region", value: "c"), SpanTag(key: "host", value: "d")], overriding: false)
        let third = spans([SpanTag(key: "region", value: "e")], overriding: true)
        let mixed = Array(zip(first, second).flatMap { [$0, $1, $0] }) + third + WireVectors.spans.map(\.span) + second
        let encoder = ZipkinProtoEncoder()
        for batch in [mixed, second + first, mixed] {
            #expect(try decodeList(encoder.encodeList(batch)) == (try jsonObjects(batch)))
        }
    }
}

// MARK: Spans with many tags or log fields (see ZipkinJSONEncoderTests)

extension ZipkinProtoEncoderTests {
    /// Each decoded span's tags and annotations, in wire order, as `[key, value]` and
    /// `[timestamp, value]` pairs.
    func decodedTagsAndAnnotations(_ bytes: [UInt8]) throws -> [(tags: [[String]], annotations: [[String]])] {
        func text(_ data: ProtobufCBinaryData) -> String {
            data.len == 0 ? "" : String(decoding: UnsafeBufferPointer(start: data.data, count: data.len), as: UTF8.self)
        }
        let list = try #require(bytes.withUnsafeBufferPointer {
            zipkin__proto3__list_of_spans__unpack(nil, $0.count, $0.baseAddress)
        })
        defer { zipkin__proto3__list_of_spans__free_unpacked(list, nil) }
        return (0..<list.pointee.n_spans).map { index in
            let span = list.pointee.spans[index]!.pointee
            return (
                (0..<span.n_tags).map { [text(span.tags[$0]!.pointee.key), text(span.tags[$0]!.pointee.value)] },
                (0..<span.n_annotations).map {
                    ["\(Int64(bitPattern: span.annotations[$0]!.pointee.timestamp))", text(span.annotations[$0]!.pointee.value)]
                }
            )
        }
    }

    /// The reference's tags and annotations of `span`, in the same shape.
    func referenceTagsAndAnnotations(_ span: FinishedSpan) -> (tags: [[String]], annotations: [[String]]) {
        (ZipkinReferenceMapping.tags(span.tags).map { [$0.key, $0.value] },
         ZipkinReferenceMapping.annotations(span.logs).map { ["\($0.timestamp)", $0.value] })
    }

    private func span(tags: [SpanTag] = [], logs: [SpanLog] = []) -> FinishedSpan {
        FinishedSpan(
            serviceName: "svc", operationName: "op", context: SpanContext(traceID: 1, spanID: 2),
            startTimeNanos: 1_500, durationNanos: 5_000, tags: SpanTags(tags), logs: logs)
    }

    @Test func aSpanWithNineThousandDistinctTagKeysCarriesTheReferenceTagsInOrder() throws {
        let hostile = span(tags: (0..<9_000).map { SpanTag(key: "k\($0)", value: .string("v\($0)")) })
        let decoded = try #require(try decodedTagsAndAnnotations(ZipkinProtoEncoder().encodeList([hostile])).first)
        #expect(decoded.tags == referenceTagsAndAnnotations(hostile).tags)
        #expect(decoded.tags.count == 9_000)
    }

    @Test func aSpanWithNineThousandLogFieldsCarriesTheReferenceAnnotationsInOrder() throws {
        let oneLog = span(logs: [SpanLog(
            timestampNanos: 2_000, fields: SpanLogFields((0..<9_000).map { SpanLogField(key: "f\($0)", value: "") }))])
        let manyLogs = span(logs: (0..<9_000).map {
            SpanLog(timestampNanos: Int64($0 % 3) * 1_000 + 400, fields: [SpanLogField(key: "f\($0 % 4_500)", value: "")])
        })
        let decoded = try decodedTagsAndAnnotations(ZipkinProtoEncoder().encodeList([oneLog, manyLogs]))
        #expect(decoded.map(\.annotations) == [oneLog, manyLogs].map { referenceTagsAndAnnotations($0).annotations })
        #expect(decoded.map(\.annotations.count) == [9_000, 4_500])
    }

    @Test(arguments: [2, 9, 31, 32, 33, 40, 64, 500, 3_000])
    func repeatedTagsAndAnnotationsAreLeftOutAsTheReferenceDoesBelowAndAboveTheScanLimit(count: Int) throws {
        var random = SplitMix64(seed: UInt64(count) &* 7)
        // One encoder for every batch: its table is reused, across sizes up and down.
        let encoder = ZipkinProtoEncoder()
        for batch in 0..<4 {
            let spans = (0..<(1 + batch)).map { _ in
                span(tags: tagsWithRepeats(count, using: &random), logs: logsWithRepeats(count, using: &random))
            }
            let decoded = try decodedTagsAndAnnotations(encoder.encodeList(spans))
            let expected = spans.map(referenceTagsAndAnnotations)
            #expect(decoded.map(\.tags) == expected.map(\.tags), "batch \(batch)")
            #expect(decoded.map(\.annotations) == expected.map(\.annotations), "batch \(batch)")
        }
    }

    @Test func onePrefixCopiedByTwoThreadsAndPrefixesChangedAfterTheFinishEncodeAsTheyAre() throws {
        let spans = try PrefixCopySpans.spans()
        let batch = spans + spans.reversed()
        let decoded = try decodedTagsAndAnnotations(ZipkinProtoEncoder().encodeList(batch))
        #expect(decoded.count == batch.count)
        for (span, tagsAndAnnotations) in zip(batch, decoded) {
            #expect(Set(tagsAndAnnotations.tags) == Set(referenceTagsAndAnnotations(span).tags))
        }
    }

    @Test func defaultTagsOverriddenByManyOwnTagsKeepTheLastValue() throws {
        let spans = spansOverridingDefaultTags(seed: 10)
        #expect(spans.count == 6)
        // The shared prefix's entries may follow the span's own: a map's order does not matter,
        // but no key may come twice.
        let encoder = ZipkinProtoEncoder()
        for batch in [spans, spans.reversed()] {
            let decoded = try decodedTagsAndAnnotations(encoder.encodeList(batch))
            for (span, tagsAndAnnotations) in zip(batch, decoded) {
                let expected = referenceTagsAndAnnotations(span).tags
                #expect(tagsAndAnnotations.tags.count == expected.count)
                #expect(Set(tagsAndAnnotations.tags) == Set(expected))
            }
        }
    }
}
