@testable import Dapper
import Testing

/// Compatibility §4: a tag is a key and a typed value (string, integer, bool, float), and the tag list
/// of a finished span.
@Suite struct SpanTagTests {
    @Test func tagValuesDescribeThemselves() {
        #expect(SpanTagValue.string("text").description == "text")
        #expect(SpanTagValue.int(-42).description == "-42")
        #expect(SpanTagValue.int(.min).description == "-9223372036854775808")
        #expect(SpanTagValue.bool(true).description == "true")
        #expect(SpanTagValue.bool(false).description == "false")
        #expect(SpanTagValue.double(0.25).description == "0.25")
        #expect(SpanTagValue.double(Double(Float(3.14159))).description == "3.141590118408203")
    }

    @Test func literalsMakeTheMatchingKind() {
        let string: SpanTagValue = "s"
        let int: SpanTagValue = 7
        let bool: SpanTagValue = true
        let double: SpanTagValue = 1.5
        #expect(string == .string("s"))
        #expect(int == .int(7))
        #expect(bool == .bool(true))
        #expect(double == .double(1.5))
    }

    @Test func everyIntegerWidthIsCarriedAsInt64AndEveryFloatAsDouble() {
        let (tracer, reporter) = makeTracer(defaultTags: [])
        let span = tracer.new("root")
        span.setTag("int", Int.max)
        span.setTag("int32", Int32.min)
        span.setTag("int64", Int64.max)
        span.setTag("float", Float.greatestFiniteMagnitude)
        span.setTag("double", Double.leastNonzeroMagnitude)
        span.finish()
        let values = reporter.spans[0].tags.dropFirst().map(\.value)
        #expect(values == [
            .int(Int64(Int.max)), .int(Int64(Int32.min)), .int(.max),
            .double(Double(Float.greatestFiniteMagnitude)), .double(.leastNonzeroMagnitude),
        ])
    }

    @Test func conventionalKeysHaveTheOriginalsNames() {
        #expect(SpanTagKey.spanKind == "span.kind")
        #expect(SpanTagKey.error == "error")
        #expect(SpanTagKey.debug == "debug")
        #expect(SpanTagKey.traceError == "trace.error")
        #expect(SpanTagKey.httpMethod == "http.method")
        #expect(SpanTagKey.httpStatusCode == "http.status_code")
    }

    @Test func spanTagsListTheSharedPrefixThenTheOwnTags() {
        let shared = [SpanTag(key: "a", value: 1), SpanTag(key: "b", value: 2)]
        var tags = SpanTags(shared: shared, own: [SpanTag(key: "c", value: 3)])
        #expect(tags.count == 3)
        #expect(tags.map(\.key) == ["a", "b", "c"])
        tags.append(SpanTag(key: "d", value: 4))
        #expect(tags.map(\.key) == ["a", "b", "c", "d"])
        tags[1] = SpanTag(key: "B", value: 20)
        tags[3] = SpanTag(key: "D", value: 40)
        #expect(tags.map(\.key) == ["a", "B", "c", "D"])
        #expect(shared[1].key == "b")  // the shared prefix is copied on write
    }

    @Test func changingATagOfThePrefixForgetsWhichTracersPrefixItWas() {
        var tags = SpanTags(shared: [SpanTag(key: "a", value: 1)], identity: 42, own: [SpanTag(key: "b", value: 2)])
        tags[1] = SpanTag(key: "b", value: 3)
        tags.append(SpanTag(key: "c", value: 4))
        #expect(tags.sharedIdentity == 42)
        tags[0] = SpanTag(key: "a", value: 5)
        #expect(tags.sharedIdentity == 0)
        #expect(tags.map(\.key) == ["a", "b", "c"])
    }

    @Test func spanTagsCompareByContentNotBySplit() {
        let split = SpanTags(shared: [SpanTag(key: "a", value: 1)], own: [SpanTag(key: "b", value: 2)])
        let flat: SpanTags = [SpanTag(key: "a", value: 1), SpanTag(key: "b", value: 2)]
        #expect(split == flat)
        #expect(split.hashValue == flat.hashValue)
        #expect(split != SpanTags([SpanTag(key: "a", value: 1)]))
    }
}
