import Dapper
import DapperTesting
import Testing

/// Compatibility §3: inject, extract, carriers, `visit` and `traceID`.
@Suite struct PropagationTests {
    /// A user type made a carrier.
    struct Request: Carrier {
        var headers: [(String, String)] = []

        func get(_ key: String) -> String? { headers.first { $0.0 == key }?.1 }
        mutating func set(_ key: String, _ value: String) { headers.append((key, value)) }
    }

    @Test func theKeyIsKratosTraceID() {
        #expect(Propagation.kratosTraceIDKey == "kratos-trace-id")
    }

    // MARK: Inject

    @Test func injectSetsTheHTTPHeaderToTheContextText() throws {
        let (tracer, _) = makeTracer()
        let span = tracer.new("root")
        var headers = HTTPHeadersCarrier([("Accept", "*/*")])
        tracer.inject(span, into: &headers)
        let text = try #require(span.context).description
        #expect(headers.fields == [
            HTTPHeadersCarrier.Field(name: "Accept", value: "*/*"),
            HTTPHeadersCarrier.Field(name: "kratos-trace-id", value: text),
        ])
        #expect(headers.get("KRATOS-TRACE-ID") == text)
    }

    @Test func injectReplacesAnExistingHeaderInAnyCase() throws {
        let (tracer, _) = makeTracer()
        let span = tracer.new("root")
        var headers = HTTPHeadersCarrier([("Kratos-Trace-Id", "old"), ("kratos-trace-ID", "older")])
        tracer.inject(span, into: &headers)
        #expect(headers.fields.count == 1)
        #expect(headers.get("kratos-trace-id") == span.traceID)
    }

    @Test func injectSetsTheDictionaryKey() throws {
        let (tracer, _) = makeTracer()
        let span = tracer.new("root")
        var dictionary = DictionaryCarrier()
        tracer.inject(span, into: &dictionary)
        #expect(dictionary.values == ["kratos-trace-id": try #require(span.context).description])
    }

    @Test func injectWorksWithAnyCarrierType() throws {
        let (tracer, _) = makeTracer()
        let span = tracer.new("root")
        var request = Request()
        tracer.inject(span, into: &request)
        #expect(request.headers.count == 1)
        #expect(request.headers.first?.0 == "kratos-trace-id")
        #expect(request.headers.first?.1 == span.traceID)
    }

    @Test func injectCarriesTheUnsampledFlags() throws {
        let (tracer, _) = makeTracer(sampler: .never)
        let span = tracer.new("root")
        var dictionary = DictionaryCarrier()
        tracer.inject(span, into: &dictionary)
        let context = try #require(span.context)
        #expect(dictionary.values["kratos-trace-id"] == "\(String(context.traceID, radix: 16)):\(String(context.spanID, radix: 16)):0:0")
    }

    @Test func noOpSpanInjectsNothing() {
        let (tracer, _) = makeTracer()
        var headers = HTTPHeadersCarrier()
        tracer.inject(DapperSpan.noop, into: &headers)
        #expect(headers.fields.isEmpty)
        var dictionary = DictionaryCarrier()
        NoopTracer().inject(DapperSpan.noop, into: &dictionary)
        #expect(dictionary.values.isEmpty)
    }

    @Test func finishedSpanInjectsNothing() {
        let (tracer, _) = makeTracer()
        let span = tracer.new("root")
        span.finish()
        var dictionary = DictionaryCarrier()
        tracer.inject(span, into: &dictionary)
        #expect(dictionary.values.isEmpty)
    }

    // MARK: visit and traceID

    @Test func visitYieldsTheKeyAndTheContextTextOnce() throws {
        let (tracer, _) = makeTracer()
        let span = tracer.new("root")
        var pairs: [String] = []
        span.visit { key, value in pairs.append("\(key)=\(value)") }
        #expect(pairs == ["kratos-trace-id=\(try #require(span.context).description)"])
    }

    @Test func traceIDIsTheWholeContextText() throws {
        let (tracer, _) = makeTracer()
        let root = tracer.new("root")
        let child = root.fork("", "child")
        let context = try #require(child.context)
        #expect(child.traceID == context.description)
        #expect(child.traceID.split(separator: ":").count == 4)
        #expect(child.traceID.hasPrefix(String(context.traceID, radix: 16) + ":"))
        let existential: any Trace = child
        #expect(existential.traceID == context.description)
    }

    // MARK: Extract

    @Test(arguments: ["kratos-trace-id", "Kratos-Trace-Id", "KRATOS-TRACE-ID", "kRaToS-tRaCe-Id"])
    func extractReadsTheHTTPHeaderInAnyCase(_ name: String) throws {
        let (tracer, _) = makeTracer()
        let span = try tracer.extract(from: HTTPHeadersCarrier([("Accept", "*/*"), (name, "3e8:7d0:0:1")]))
        let context = try #require(span.context)
        #expect(context.traceID == 0x3E8)
        #expect(context.parentID == 0x7D0)
    }

    @Test func extractReadsTheDictionaryKey() throws {
        let (tracer, _) = makeTracer()
        let span = try tracer.extract(from: DictionaryCarrier(["kratos-trace-id": "a:b:c:1"]))
        #expect(span.context?.traceID == 0xA)
        #expect(span.context?.parentID == 0xB)
    }

    @Test func extractMakesAServerChildOfTheRemoteSpan() throws {
        let (tracer, reporter) = makeTracer(sampler: .never)
        let span = try tracer.extract(from: DictionaryCarrier(["kratos-trace-id": "7b2a1c3d4e5f6071:1122334455667788:7b2a1c3d4e5f6071:1"]))
        let context = try #require(span.context)
        #expect(context.traceID == 0x7B2A_1C3D_4E5F_6071)
        #expect(context.spanID != 0x1122_3344_5566_7788)
        #expect(context.spanID != 0)
        #expect(context.parentID == 0x1122_3344_5566_7788)
        #expect(context.flags.rawValue == 0x01)
        #expect(context.level == 1)
        #expect(span.operationName == "")
        // The server names it.
        span.setTitle("/api/user/info")
        span.finish()
        #expect(reporter.spans.count == 1)
        let finished = reporter.spans[0]
        #expect(finished.operationName == "/api/user/info")
        #expect(Array(finished.tags) == sharedTags("server"))
        #expect(finished.context.parentID == 0x1122_3344_5566_7788)
    }

    @Test func extractedSpanWithoutTitleHasAnEmptyOperationName() throws {
        let (tracer, reporter) = makeTracer()
        try tracer.extract(from: DictionaryCarrier(["kratos-trace-id": "1:2:0:1"])).finish()
        #expect(reporter.spans.map(\.operationName) == [""])
    }

    @Test(arguments: [0x00, 0x01, 0x02, 0x03, 0xFF] as [UInt8])
    func extractKeepsTheRemoteFlags(_ flags: UInt8) throws {
        let (tracer, reporter) = makeTracer(sampler: .never)
        let span = try tracer.extract(from: DictionaryCarrier(["kratos-trace-id": "1:2:0:\(String(flags, radix: 16))"]))
        #expect(span.context?.flags.rawValue == flags)
        #expect(span.fork("", "child").context?.flags.rawValue == flags)
        span.finish()
        // Reported exactly when sampled or debug.
        #expect(reporter.spans.count == (flags & 0x03 != 0 ? 1 : 0))
    }

    @Test func extractedSpansChildrenAreLevelTwo() throws {
        let (tracer, _) = makeTracer()
        let span = try tracer.extract(from: DictionaryCarrier(["kratos-trace-id": "1:2:0:1"]))
        let child = span.fork("", "call")
        #expect(child.context?.level == 2)
        #expect(child.context?.parentID == span.context?.spanID)
        #expect(child.context?.traceID == 1)
    }

    @Test func injectThenExtractContinuesTheTrace() throws {
        let client = makeTracer()
        let server = makeTracer()
        let call = client.tracer.new("root").fork("", "call")
        var headers = HTTPHeadersCarrier()
        client.tracer.inject(call, into: &headers)
        let handled = try server.tracer.extract(from: headers)
        let callContext = try #require(call.context)
        let handledContext = try #require(handled.context)
        #expect(handledContext.traceID == callContext.traceID)
        #expect(handledContext.parentID == callContext.spanID)
        #expect(handledContext.flags == callContext.flags)
    }

    // MARK: Extract errors

    @Test func extractWithoutTheKeyThrowsNotFound() {
        let (tracer, _) = makeTracer()
        #expect(throws: ExtractError.notFound) { try tracer.extract(from: HTTPHeadersCarrier()) }
        #expect(throws: ExtractError.notFound) { try tracer.extract(from: HTTPHeadersCarrier([("x-trace-id", "1:2:0:1")])) }
        #expect(throws: ExtractError.notFound) { try tracer.extract(from: DictionaryCarrier()) }
    }

    @Test(arguments: [
        ("", SpanContextParseError.empty),
        ("1:2", .missingFields(found: 2)),
        ("zz:1:2:3", .invalidNumber(field: 0)),
        ("0x1:2:3:4", .invalidNumber(field: 0)),
        ("0:0:0:0", .zeroID),
        ("0:1:0:1", .zeroID),
        ("1:0:0:1", .zeroID),
    ])
    func extractOfAnInvalidValueThrowsMalformedWithTheParseError(_ value: String, _ error: SpanContextParseError) {
        let (tracer, reporter) = makeTracer()
        #expect(throws: ExtractError.malformed(error)) { try tracer.extract(from: DictionaryCarrier(["kratos-trace-id": value])) }
        #expect(throws: ExtractError.malformed(error)) {
            try tracer.extract(from: HTTPHeadersCarrier([("Kratos-Trace-Id", value)]))
        }
        #expect(reporter.spans.isEmpty)
    }

    @Test func extractErrorsDescribeTheKey() {
        #expect(ExtractError.notFound.description.contains("kratos-trace-id"))
        #expect(ExtractError.malformed(.zeroID).description.contains("kratos-trace-id"))
    }

    // MARK: Carriers

    @Test func httpHeadersCompareNamesCaseInsensitivelyAndReturnTheFirst() {
        var headers = HTTPHeadersCarrier([("Content-Type", "a"), ("content-type", "b")])
        #expect(headers.get("CONTENT-TYPE") == "a")
        #expect(headers.get("content-typ") == nil)
        #expect(headers.get("content_type") == nil)
        headers.set("CONTENT-type", "c")
        #expect(headers.fields == [HTTPHeadersCarrier.Field(name: "CONTENT-type", value: "c")])
    }

    @Test func httpHeaderNamesOnlyFoldASCIILetters() {
        // '@' (0x40) and '`' (0x60) differ only in bit 0x20, like letters do.
        let headers = HTTPHeadersCarrier([("a@b", "1"), ("[x]", "2")])
        #expect(headers.get("a`b") == nil)
        #expect(headers.get("{x}") == nil)
        #expect(headers.get("A@B") == "1")
    }

    @Test func dictionaryCarrierIsExactKeyed() {
        var dictionary = DictionaryCarrier(["a": "1"])
        #expect(dictionary.get("a") == "1")
        #expect(dictionary.get("A") == nil)
        dictionary.set("b", "2")
        #expect(dictionary.values == ["a": "1", "b": "2"])
    }
}
