import Dapper
import DapperTesting
import Testing

/// The golden vectors of the Go original (`Tests/Fixtures/legacy-go.json`), used as they are.
@Suite struct VectorTests {
    @Test func theVectorsFileIsReadAndComplete() {
        #expect(Vectors.contextParse.count == 15, "read from \(Vectors.url.path)")
        #expect(Vectors.spans.count == 12, "read from \(Vectors.url.path)")
    }

    // MARK: context_parse

    @Test(arguments: Vectors.contextParse)
    func contextParseIsAcceptedExactlyWhenOkHere(_ vector: ContextParseVector) {
        let result = Result { () throws(SpanContextParseError) in try SpanContext(parsing: vector.input) }
        switch result {
        case .success(let context):
            #expect(vector.okHere, "accepted, but the vector says it must be rejected here")
            #expect(context.traceID == vector.traceID)
            #expect(context.spanID == vector.spanID)
            #expect(context.parentID == vector.parentID)
            #expect(context.flags.rawValue == vector.flags)
        case .failure(let error):
            #expect(!vector.okHere, "rejected with \(error), but the vector says it must be accepted")
        }
    }

    @Test(arguments: Vectors.contextParse)
    func contextParseFromBytesAgreesWithText(_ vector: ContextParseVector) {
        let text = Result { () throws(SpanContextParseError) in try SpanContext(parsing: vector.input) }
        let bytes = Result { () throws(SpanContextParseError) in try SpanContext(parsing: Array(vector.input.utf8)) }
        #expect(text == bytes)
    }

    @Test(arguments: Vectors.contextParse.filter(\.okHere))
    func acceptedContextParseInputsReformatCanonically(_ vector: ContextParseVector) throws {
        let context = try SpanContext(parsing: vector.input)
        let canonical = [context.traceID, context.spanID, context.parentID, UInt64(context.flags.rawValue)]
            .map { String($0, radix: 16) }.joined(separator: ":")
        #expect(context.description == canonical)
        #expect(try SpanContext(parsing: context.description) == context)
    }

    /// The one vector the Go original accepted and this project rejects (Compatibility §1, where we differ).
    @Test func zeroIDsOfTheVectorsAreRejectedAsZeroID() throws {
        let zero = try #require(Vectors.contextParse.first { $0.input == "0:0:0:0" })
        #expect(!zero.okHere)
        #expect(throws: SpanContextParseError.zeroID) { try SpanContext(parsing: zero.input) }
    }

    // MARK: spans: context_string

    @Test(arguments: Vectors.spans)
    func spanContextStringIsTheFormattedContext(_ vector: SpanVector) {
        let context = SpanContext(
            traceID: vector.traceID, spanID: vector.spanID, parentID: vector.parentID,
            flags: SpanContext.Flags(rawValue: vector.flags))
        #expect(context.description == vector.contextString)
        #expect(context.description == "\(vector.traceIDHex):\(vector.spanIDHex):\(vector.parentIDHex):\(String(vector.flags, radix: 16))")
    }

    @Test(arguments: Vectors.spans)
    func spanContextStringParsesBackToTheSpansFields(_ vector: SpanVector) throws {
        let context = try SpanContext(parsing: vector.contextString)
        #expect(context.traceID == vector.traceID)
        #expect(context.spanID == vector.spanID)
        #expect(context.parentID == vector.parentID)
        #expect(context.flags.rawValue == vector.flags)
        #expect(context.isSampled == (vector.flags & 1 != 0))
        #expect(context.isDebug == (vector.flags & 2 != 0))
    }

    @Test(arguments: Vectors.spans)
    func spanContextStringIsAcceptedByExtract(_ vector: SpanVector) throws {
        let (tracer, _) = makeTracer()
        let span = try tracer.extract(from: DictionaryCarrier(["kratos-trace-id": vector.contextString]))
        let context = try #require(span.context)
        #expect(context.traceID == vector.traceID)
        #expect(context.parentID == vector.spanID)
        #expect(context.flags.rawValue == vector.flags)
    }

    // MARK: spans: the tags a tracer produces

    /// The spans whose tags start with the default tags and `span.kind` came out of the Go
    /// tracer: this tracer, given the same default tags and calls, produces the same tags (and,
    /// for the error finish, the same log fields).
    @Test(arguments: Vectors.spans.filter { $0.tags.contains { $0.key == "span.kind" } })
    func tracerProducesTheVectorsTags(_ vector: SpanVector) throws {
        let kindIndex = try #require(vector.tags.firstIndex { $0.key == "span.kind" })
        let defaults = Array(vector.tags[..<kindIndex])
        #expect(defaults.map(\.key) == ["region", "zone", "hostname", "ip"])
        let kind = vector.tags[kindIndex].value
        let own = vector.tags[(kindIndex + 1)...]
        let (tracer, reporter) = makeTracer(defaultTags: defaults)

        let root = tracer.new("root")
        let span: DapperSpan
        switch kind {
        case .string("server"): span = tracer.continueTrace(SpanContext(traceID: 1, spanID: 2, flags: .sampled))
        case .string("client"): span = root.fork("", vector.operationName)
        case .string("producer"): span = root.follow("", vector.operationName)
        default:
            Issue.record("unexpected kind \(kind)")
            return
        }
        span.setTitle(vector.operationName)
        var error: TestError?
        for tag in own {
            if tag.key == "error", tag.value == .bool(true), let message = vector.logs.first?.first {
                error = TestError(String(message.dropFirst("message=".count)))
            } else {
                span.setTag(tag)
            }
        }
        if let error { span.finish(error: error) } else { span.finish() }
        let reported = try #require(reporter.spans.first)
        #expect(reported.operationName == vector.operationName)
        #expect(Array(reported.tags) == vector.tags)
        #expect(logFields(reported) == vector.logs)
    }
}
