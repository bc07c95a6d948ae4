import Dapper
import DapperTesting
import DapperWireTestSupport
@_spi(Benchmarks) import DapperZipkinWire  // ZipkinTagPrefixCache
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

    @Test func aTraceIDWithAHighHalfIsWrittenIn32HexDigitsAsZipkinDoes() throws {
        var wide = span()
        wide.context.traceIDHigh = 0x0af7_6519_16cd_43dd
        #expect(try object(ZipkinJSONEncoder().encode(wide))["traceId"] as? String == "0af7651916cd43dd0000000000000001")
        #expect(try object(ZipkinJSONEncoder().encode(span()))["traceId"] as? String == "0000000000000001")
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

    @Test func thePrefixCacheGivesTheSameJSONForOnePrefixFromTwoThreadsAndForChangedPrefixes() throws {
        let spans = try PrefixCopySpans.spans()
        let batch = spans + spans.reversed()
        var cached: [UInt8] = []
        ZipkinJSONEncoder().appendList(batch, to: &cached, prefixCache: ZipkinTagPrefixCache())
        var uncached: [UInt8] = []
        ZipkinJSONEncoder().appendList(batch, to: &uncached)
        #expect(String(decoding: cached, as: UTF8.self) == String(decoding: uncached, as: UTF8.self))
        #expect(String(decoding: cached, as: UTF8.self).contains(#""region":"changed""#))
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

// MARK: Spans with many tags or log fields
//
// Above `RepeatFinder.linearScanLimit` (32) tags or log fields the encoder finds repeats
// through a hash table rather than by comparing each with every other (quadratic: seconds
// for one datagram of 9 000 tags). Its output is checked against `ZipkinReferenceMapping`
// on both sides of the limit.

/// Keys that are equal to the scan in subtle ways: `é` written as one scalar or as `e` and a
/// combining accent are equal strings of different lengths (different keys to the scan), while
/// the last two are equal strings of the same length (one key).
let trickyTagKeys = ["span.kind", "a", "b", "http.method", "\u{e9}", "e\u{301}", "\u{e9}e\u{301}", "e\u{301}\u{e9}"]

/// `count` tags whose keys repeat at random positions, drawn from `trickyTagKeys` and
/// `count / 3` plain keys, with values of every kind.
/// Spans of a tracer with 33 default tags (some keys repeated), each with more and more own
/// tags that repeat keys, some overriding a default: the shared prefix and the span's own tags
/// on both sides of the encoders' scan limit.
func spansOverridingDefaultTags(seed: UInt64) -> [FinishedSpan] {
    var random = SplitMix64(seed: seed)
    let defaults = [SpanTag(key: "region", value: "a"), SpanTag(key: "a", value: "default"), SpanTag(key: "region", value: "b")]
        + (0..<30).map { SpanTag(key: "d\($0)", value: .int(Int64($0))) }
    let reporter = InMemoryReporter()
    let tracer = DapperTracer(serviceName: "svc", reporter: reporter, sampler: .always, defaultTags: defaults)
    for count in [0, 3, 20, 33, 60, 90] {
        let span = tracer.new("op-\(count)")
        for tag in tagsWithRepeats(count, using: &random) where tag.key != "span.kind" { span.setTag(tag) }
        if count > 10 { span.setTag(SpanTag(key: "d\(count % 30)", value: "overridden")) }
        span.finish()
    }
    return reporter.spans
}

func tagsWithRepeats(_ count: Int, using random: inout SplitMix64) -> [SpanTag] {
    let keys = trickyTagKeys + (0..<max(1, count / 3)).map { "k\($0)" }
    return (0..<count).map { index in
        let key = keys.randomElement(using: &random)!
        if key == "span.kind" { return SpanTag(key: key, value: .string(["server", "client", "internal"].randomElement(using: &random)!)) }
        switch index % 3 {
        case 0: return SpanTag(key: key, value: .string("v\(index)"))
        case 1: return SpanTag(key: key, value: .int(Int64(index)))
        default: return SpanTag(key: key, value: .bool(index % 2 == 0))
        }
    }
}

/// Logs with `count` fields in all, some repeated, at times a few of which fall in one microsecond.
func logsWithRepeats(_ count: Int, using random: inout SplitMix64) -> [SpanLog] {
    let fields = [("event", "error"), ("message", "refused"), ("event", "retry"), ("\u{e9}", "x"), ("e\u{301}", "x")]
        .map { SpanLogField(key: $0.0, value: $0.1) } + (0..<max(1, count / 4)).map { SpanLogField(key: "f\($0)", value: "v") }
    let times: [Int64] = [1_000, 1_499, 1_500, 2_000, 2_499, 7_000]
    var logs: [SpanLog] = []
    var left = count
    while left > 0 {
        let size = min(left, Int.random(in: 1...5, using: &random))
        left -= size
        logs.append(SpanLog(
            timestampNanos: times.randomElement(using: &random)!,
            fields: SpanLogFields((0..<size).map { _ in fields.randomElement(using: &random)! })))
    }
    return logs
}

extension ZipkinJSONEncoderTests {
    @Test func aSpanWithNineThousandDistinctTagKeysEncodesAsTheReferenceMappingDoes() {
        let hostile = span(tags: (0..<9_000).map { SpanTag(key: "k\($0)", value: .string("v\($0)")) })
        let text = ZipkinJSONEncoder().encode(hostile)
        #expect(text == ZipkinReferenceMapping.json(hostile))
        #expect(text.contains(#""k0":"v0","k1":"v1","#) && text.contains(#""k8999":"v8999"}"#))
    }

    @Test func aSpanWithNineThousandLogFieldsEncodesAsTheReferenceMappingDoes() throws {
        let oneLog = span(logs: [SpanLog(
            timestampNanos: 2_000, fields: SpanLogFields((0..<9_000).map { SpanLogField(key: "f\($0)", value: "") }))])
        #expect(ZipkinJSONEncoder().encode(oneLog) == ZipkinReferenceMapping.json(oneLog))
        #expect(try (object(ZipkinJSONEncoder().encode(oneLog))["annotations"] as? [NSDictionary])?.count == 9_000)
        // One field per log, half of them repeating another in the same microsecond.
        let manyLogs = span(logs: (0..<9_000).map {
            SpanLog(timestampNanos: Int64($0 % 3) * 1_000 + 400, fields: [SpanLogField(key: "f\($0 % 4_500)", value: "")])
        })
        #expect(ZipkinJSONEncoder().encode(manyLogs) == ZipkinReferenceMapping.json(manyLogs))
        #expect(try (object(ZipkinJSONEncoder().encode(manyLogs))["annotations"] as? [NSDictionary])?.count == 4_500)
    }

    @Test(arguments: [2, 9, 31, 32, 33, 40, 64, 500, 3_000])
    func repeatedTagKeysKeepTheirLastValueInItsPlaceBelowAndAboveTheScanLimit(count: Int) throws {
        var random = SplitMix64(seed: UInt64(count))
        for _ in 0..<5 {
            let value = span(tags: tagsWithRepeats(count, using: &random))
            let text = ZipkinJSONEncoder().encode(value)
            #expect(text == ZipkinReferenceMapping.json(value))
            _ = try object(text)
        }
    }

    @Test func equalKeysOfTheSameLengthAreOneTagAndOfDifferentLengthsTwoOnBothPaths() {
        let tricky = [
            SpanTag(key: "\u{e9}e\u{301}", value: "first"), SpanTag(key: "\u{e9}", value: "short"),
            SpanTag(key: "e\u{301}\u{e9}", value: "last"), SpanTag(key: "e\u{301}", value: "long"),
        ]
        for filler in [0, 40] {
            let tags = (0..<filler).map { SpanTag(key: "k\($0)", value: "v") } + tricky
            let text = ZipkinJSONEncoder().encode(span(tags: tags))
            #expect(!text.contains("first"), "\(filler) tags before")
            #expect(text.hasSuffix(#""\#u{e9}":"short","e\#u{301}\#u{e9}":"last","e\#u{301}":"long"}}"#), "\(filler) tags before")
        }
    }

    @Test(arguments: [2, 16, 32, 33, 48, 400, 3_000])
    func repeatedAnnotationsAreSentOnceAtTheirFirstPlaceBelowAndAboveTheScanLimit(count: Int) throws {
        var random = SplitMix64(seed: UInt64(count) &* 31)
        for _ in 0..<5 {
            let value = span(tags: tagsWithRepeats(count / 4, using: &random), logs: logsWithRepeats(count, using: &random))
            let text = ZipkinJSONEncoder().encode(value)
            #expect(text == ZipkinReferenceMapping.json(value))
            _ = try object(text)
        }
    }

    @Test func defaultTagsOverriddenByManyOwnTagsKeepTheLastValueWithAndWithoutThePrefixCache() {
        let spans = spansOverridingDefaultTags(seed: 9)
        #expect(spans.count == 6)
        let cache = ZipkinTagPrefixCache()
        for span in spans + spans {
            var cached: [UInt8] = []
            ZipkinJSONEncoder().append(span, to: &cached, prefixCache: cache)
            #expect(String(decoding: cached, as: UTF8.self) == ZipkinReferenceMapping.json(span))
            #expect(ZipkinJSONEncoder().encode(span) == ZipkinReferenceMapping.json(span))
        }
    }
}
