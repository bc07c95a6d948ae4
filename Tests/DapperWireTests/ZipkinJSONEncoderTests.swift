import Dapper
import DapperTesting
import DapperWire
import Foundation
import Testing

@Suite struct ZipkinJSONEncoderTests {
    private func object(_ text: String) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary, "not an object: \(text)")
    }

    @Test(arguments: WireVectors.spans.filter { $0.zipkinJSON != nil })
    func encodingEqualsTheVectorsZipkinObject(_ vector: WireVector) throws {
        let expected = try #require(try JSONSerialization.jsonObject(with: vector.zipkinJSON!) as? NSDictionary)
        let actual = try object(ZipkinJSONEncoder().encode(vector.span))
        #expect(actual == expected, "\(ZipkinJSONEncoder().encode(vector.span))")
    }

    private func span(tags: [SpanTag] = [], logs: [SpanLog] = [], parentID: UInt64 = 0, duration: Int64 = 5_000) -> FinishedSpan {
        FinishedSpan(
            serviceName: "svc", operationName: "op", context: SpanContext(traceID: 1, spanID: 2, parentID: parentID),
            startTimeNanos: 1_500, durationNanos: duration, tags: SpanTags(tags), logs: logs)
    }

    @Test func aRootHasNoParentID() throws {
        #expect(try object(ZipkinJSONEncoder().encode(span()))["parentId"] == nil)
        #expect(try object(ZipkinJSONEncoder().encode(span(parentID: 7)))["parentId"] as? String == "0000000000000007")
    }

    @Test func theLastSpanKindTagWinsAndIsNotATag() throws {
        let json = try object(ZipkinJSONEncoder().encode(span(tags: [
            SpanTag(key: "span.kind", value: "client"), SpanTag(key: "a", value: "1"), SpanTag(key: "span.kind", value: "server"),
        ])))
        #expect(json["kind"] as? String == "SERVER")
        #expect(json["tags"] as? NSDictionary == ["a": "1"])
    }

    @Test func anUnknownKindIsLeftOut() throws {
        let json = try object(ZipkinJSONEncoder().encode(span(tags: [SpanTag(key: "span.kind", value: "internal")])))
        #expect(json["kind"] == nil)
        #expect(json["tags"] == nil)
    }

    @Test func aRepeatedTagKeyKeepsItsLastValue() throws {
        let text = ZipkinJSONEncoder().encode(span(tags: [SpanTag(key: "k", value: "first"), SpanTag(key: "k", value: .int(2))]))
        #expect(text.components(separatedBy: "\"k\"").count == 2, "key written once: \(text)")
        #expect(try object(text)["tags"] as? NSDictionary == ["k": "2"])
    }

    @Test func zeroAndNegativeDurationsAreSentAsOneMicrosecond() throws {
        #expect(try object(ZipkinJSONEncoder().encode(span(duration: 0)))["duration"] as? Int == 1)
        #expect(try object(ZipkinJSONEncoder().encode(span(duration: -5_000)))["duration"] as? Int == 1)
        #expect(try object(ZipkinJSONEncoder().encode(span(duration: 1_499)))["duration"] as? Int == 1)
        #expect(try object(ZipkinJSONEncoder().encode(span(duration: 1_500)))["duration"] as? Int == 2)
    }

    @Test func timesRoundToTheNearestMicrosecondBeforeTheEpochToo() {
        #expect(ZipkinJSONEncoder().encode(FinishedSpan(
            serviceName: "", operationName: "", context: SpanContext(traceID: 1, spanID: 1),
            startTimeNanos: -1_500, durationNanos: 1)).contains(#""timestamp":-2,"#))
    }

    @Test func everyStringIsEscapedIntoValidJSON() throws {
        let nasty = "quote\" backslash\\ newline\n tab\t nul\0 bell\u{07} del\u{7f} emoji🙂 日本"
        let value = span(tags: [SpanTag(key: nasty, value: .string(nasty))], logs: [
            SpanLog(timestampNanos: 2_000, fields: [SpanLogField(key: nasty, value: nasty)]),
        ])
        var named = value
        named.serviceName = nasty
        named.operationName = nasty
        let json = try object(ZipkinJSONEncoder().encode(named))
        #expect(json["name"] as? String == nasty)
        #expect((json["localEndpoint"] as? NSDictionary)?["serviceName"] as? String == nasty)
        #expect((json["tags"] as? NSDictionary)?[nasty] as? String == nasty)
        let annotation = try #require((json["annotations"] as? [NSDictionary])?.first)
        #expect(annotation["value"] as? String == "\(nasty) : \(nasty)")
        #expect(annotation["timestamp"] as? Int == 2)
    }

    @Test func aListIsAJSONArrayOfEverySpan() throws {
        var buffer: [UInt8] = []
        ZipkinJSONEncoder().appendList(WireVectors.spans.map(\.span), to: &buffer)
        let array = try #require(try JSONSerialization.jsonObject(with: Data(buffer)) as? [NSDictionary])
        #expect(array.count == WireVectors.spans.count)
        buffer.removeAll()
        ZipkinJSONEncoder().appendList([FinishedSpan](), to: &buffer)
        #expect(String(decoding: buffer, as: UTF8.self) == "[]")
    }

    @Test func integersAtTheExtremesAreWrittenInFull() throws {
        let json = try object(ZipkinJSONEncoder().encode(span(tags: [
            SpanTag(key: "min", value: .int(.min)), SpanTag(key: "max", value: .int(.max)), SpanTag(key: "zero", value: .int(0)),
        ])))
        #expect(json["tags"] as? NSDictionary == ["min": "-9223372036854775808", "max": "9223372036854775807", "zero": "0"])
    }

    @Test func thePrefixCacheGivesTheSameJSONForSpansOfSeveralTracers() throws {
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
        let first = spans([SpanTag(key: "region", value: "a"), SpanTag(key: "zone", value: "b\"q")], overriding: false)
        let second = spans([SpanTag(key: "region", value: "c"), SpanTag(key: "region", value: "d")], overriding: true)
        let plain = WireVectors.spans.map(\.span)
        let mixed = Array(zip(first, second).flatMap { [$0, $1, $0] }) + plain + first
        let cache = ZipkinTagPrefixCache()
        var cached: [UInt8] = []
        ZipkinJSONEncoder().appendList(mixed, to: &cached, prefixCache: cache)
        var uncached: [UInt8] = []
        ZipkinJSONEncoder().appendList(mixed, to: &uncached)
        #expect(String(decoding: cached, as: UTF8.self) == String(decoding: uncached, as: UTF8.self))
        let objects = try #require(try JSONSerialization.jsonObject(with: Data(cached)) as? [NSDictionary])
        #expect((objects[1]["tags"] as? NSDictionary)?["region"] as? String == "overridden-0")
    }
}
