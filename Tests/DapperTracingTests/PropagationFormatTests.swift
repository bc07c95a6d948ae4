import Dapper
import DapperTracing
import Foundation
import Instrumentation
import Testing
import Tracing

@Suite struct PropagationFormatTests {
    /// The Go original's `context_parse` vectors that it accepts and we accept too.
    static let goContexts: [(input: String, traceID: UInt64, spanID: UInt64, flags: UInt8)] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Tests/Fixtures/legacy-go.json").standardizedFileURL
        guard let data = try? Data(contentsOf: url),
            let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let cases = root["context_parse"] as? [[String: Any]]
        else { return [] }
        return cases.compactMap { entry in
            guard entry["ok_here"] as? Bool == true, let input = entry["input"] as? String,
                let trace = (entry["trace_id"] as? String).flatMap({ UInt64($0) }),
                let span = (entry["span_id"] as? String).flatMap({ UInt64($0) }),
                let flags = entry["flags"] as? Int
            else { return nil }
            return (input, trace, span, UInt8(flags))
        }
    }()

    @Test func theGoVectorsAreThere() { #expect(Self.goContexts.count >= 6) }

    @Test func aKratosHeaderFromTheGoOriginalIsContinued() throws {
        for vector in Self.goContexts {
            let (tracer, reporter) = makeBridge(sampler: NeverSampler())
            let context = tracer.context(from: ["Kratos-Trace-Id": vector.input])
            tracer.withSpan("/api", context: context, ofKind: .server) { _ in }
            let sampled = vector.flags & 1 == 1 || vector.flags & 2 == 2
            #expect(reporter.spans.count == (sampled ? 1 : 0), "\(vector.input)")
            if let span = reporter.spans.first {
                #expect(span.context.traceID == vector.traceID)
                #expect(span.context.parentID == vector.spanID)
                #expect(span.context.flags.rawValue & 3 == vector.flags & 3)
            }
            #expect(tracer.malformedHeaderCount == 0)
        }
    }

    @Test func theOutgoingKratosHeaderParsesByTheGoRules() throws {
        let (tracer, _) = makeBridge()
        let span = tracer.startSpan("call", context: .topLevel, ofKind: .client)
        let value = try #require(tracer.headers(for: span.context)["kratos-trace-id"])
        span.end()
        let parts = value.split(separator: ":", omittingEmptySubsequences: false)
        #expect(parts.count == 4)
        #expect(parts.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isHexDigit) && $0 == $0.lowercased() })
        let parsed = try SpanContext(parsing: value)
        #expect(parsed.isSampled)
    }

    @Test(arguments: [
        ["kratos-trace-id": "not-a-context"],
        ["kratos-trace-id": "0:0:0:0"],
        ["traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331"],
        ["traceparent": "00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01"],
        ["traceparent": "00-00000000000000000000000000000000-b7ad6b7169203331-01"],
        ["traceparent": "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"],
        ["traceparent": "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01"],
        ["traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra"],
        ["traceparent": "00-0af7651916cd43dd0000000000000000-b7ad6b7169203331-01"],
        ["b3": "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-x"],
        ["b3": "80f198ee56343ba8-e457b5a2"],
        ["b3": "\u{0}\u{ff}-"],
        ["X-B3-TraceId": "80f198ee56343ba8"],
        ["X-B3-TraceId": "80f198ee56343ba8", "X-B3-SpanId": "e457b5a2e4d86bd1", "X-B3-Sampled": "yes"],
        ["X-B3-TraceId": "xyz", "X-B3-SpanId": "e457b5a2e4d86bd1"],
    ])
    func aMalformedHeaderStartsANewTraceAndIsCounted(_ headers: [String: String]) throws {
        let (tracer, reporter) = makeBridge(propagation: .all)
        let context = tracer.context(from: headers)
        #expect(context.dapperSpanContext == nil)
        tracer.withSpan("/api", context: context, ofKind: .server) { _ in }
        let span = try #require(reporter.spans.first)
        #expect(span.context.parentID == 0, "a new trace")
        #expect(tracer.malformedHeaderCount == 1)
    }

    @Test(arguments: [
        ["b3": String(repeating: "-", count: 1_000_000)],
        ["b3": "80f198ee56343ba8-e457b5a2e4d86bd1-1-" + String(repeating: "a", count: 100_000)],
        ["traceparent": "01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-" + String(repeating: "x", count: 100_000)],
    ])
    func aHugeHeaderIsRejectedAsMalformed(_ headers: [String: String]) {
        let (tracer, _) = makeBridge(propagation: .all)
        #expect(tracer.context(from: headers).dapperSpanContext == nil)
        #expect(tracer.malformedHeaderCount == 1)
    }

    @Test func aMalformedHeaderErrorShowsAShortEscapedExcerptOfThePeersValue() {
        let huge = TraceHeaderError.b3(header: "b3", value: String(repeating: "-", count: 1_000_000))
        #expect(huge.description.count < 120)
        #expect(huge.description.hasSuffix("(1000000 bytes)"))
        let forged = TraceHeaderError.traceparent("00-x\n[ERROR] forged line\u{1b}[2J\"")
        #expect(!forged.description.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f })
        #expect(forged.description == #"malformed traceparent: "00-x\n[ERROR] forged line\u{1b}[2J\"""#)
    }

    @Test func w3cTraceparentIsContinuedAndWrittenBackWithItsWhole128BitTraceID() throws {
        let (tracer, reporter) = makeBridge(sampler: NeverSampler(), propagation: .traceparent)
        let context = tracer.context(from: ["traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"])
        var outgoing: [String: String] = [:]
        tracer.withSpan("/api", context: context, ofKind: .server) { span in outgoing = tracer.headers(for: span.context) }
        let span = try #require(reporter.spans.first)
        #expect(span.context.traceID == 0x8448_eb21_1c80_319c)
        #expect(span.context.traceIDHigh == 0x0af7_6519_16cd_43dd)
        #expect(span.context.parentID == 0xb7ad_6b71_6920_3331)
        #expect(span.context.isSampled)
        let expectedSpan = String(span.context.spanID, radix: 16).leftPadded(to: 16)
        #expect(outgoing == ["traceparent": "00-0af7651916cd43dd8448eb211c80319c-\(expectedSpan)-01"])
    }

    @Test func w3cTraceparentOfALaterVersionIsReadByItsFirstFields() {
        let (tracer, _) = makeBridge(propagation: .traceparent)
        let context = tracer.context(from: ["traceparent": "cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00-what-follows"])
        #expect(context.dapperSpanContext?.traceID == 0x8448_eb21_1c80_319c)
        #expect(context.dapperSpanContext?.traceIDHigh == 0x0af7_6519_16cd_43dd)
        #expect(context.dapperSpanContext?.isSampled == false)
    }

    @Test func b3MultiHeadersAreContinuedAndWritten() throws {
        let (tracer, reporter) = makeBridge(sampler: NeverSampler(), propagation: .b3Multi)
        let context = tracer.context(from: [
            "X-B3-TraceId": "463ac35c9f6413ad48485a3953bb6124", "X-B3-SpanId": "a2fb4a1d1a96d312",
            "X-B3-ParentSpanId": "0020000000000001", "X-B3-Sampled": "1",
        ])
        var outgoing: [String: String] = [:]
        tracer.withSpan("/api", context: context, ofKind: .server) { span in outgoing = tracer.headers(for: span.context) }
        let span = try #require(reporter.spans.first)
        #expect(span.context.traceID == 0x4848_5a39_53bb_6124)
        #expect(span.context.traceIDHigh == 0x463a_c35c_9f64_13ad)
        #expect(span.context.parentID == 0xa2fb_4a1d_1a96_d312)
        #expect(outgoing["x-b3-traceid"] == "463ac35c9f6413ad48485a3953bb6124")
        #expect(outgoing["x-b3-spanid"] == String(span.context.spanID, radix: 16).leftPadded(to: 16))
        #expect(outgoing["x-b3-parentspanid"] == "a2fb4a1d1a96d312")
        #expect(outgoing["x-b3-sampled"] == "1")
    }

    @Test func b3DebugFlagIsKeptAndWrittenAsFlags() throws {
        let (tracer, reporter) = makeBridge(sampler: NeverSampler(), propagation: .b3)
        let context = tracer.context(from: [
            "X-B3-TraceId": "48485a3953bb6124", "X-B3-SpanId": "a2fb4a1d1a96d312", "X-B3-Flags": "1",
        ])
        var outgoing: [String: String] = [:]
        tracer.withSpan("/api", context: context, ofKind: .server) { span in outgoing = tracer.headers(for: span.context) }
        #expect(try #require(reporter.spans.first).context.isDebug)
        #expect(outgoing["x-b3-flags"] == "1" && outgoing["x-b3-sampled"] == nil)
        #expect(outgoing["b3"]?.split(separator: "-")[2] == "d")
    }

    @Test func b3WithoutASamplingDecisionLetsOurSamplerDecide() throws {
        for (sampler, expected) in [(AlwaysSampler() as any Sampler, 1), (NeverSampler(), 0)] {
            let (tracer, reporter) = makeBridge(sampler: sampler, propagation: .b3)
            let context = tracer.context(from: ["b3": "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1"])
            tracer.withSpan("/api", context: context, ofKind: .server) { _ in }
            #expect(reporter.spans.count == expected)
            #expect(reporter.spans.allSatisfy { $0.context.traceID == 0x64fe_8b2a_57d3_eff7 })
        }
    }

    @Test func b3SingleIsContinuedAndWritten() throws {
        let (tracer, reporter) = makeBridge(sampler: NeverSampler(), propagation: .b3Single)
        let context = tracer.context(from: ["b3": "80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1-05e3ac9a4f6e3b90"])
        var outgoing: [String: String] = [:]
        tracer.withSpan("/api", context: context, ofKind: .server) { span in outgoing = tracer.headers(for: span.context) }
        let span = try #require(reporter.spans.first)
        #expect(span.context.traceID == 0x64fe_8b2a_57d3_eff7)
        #expect(span.context.traceIDHigh == 0x80f1_98ee_5634_3ba8)
        #expect(span.context.parentID == 0xe457_b5a2_e4d8_6bd1)
        let spanHex = String(span.context.spanID, radix: 16).leftPadded(to: 16)
        #expect(outgoing == ["b3": "80f198ee56343ba864fe8b2a57d3eff7-\(spanHex)-1-e457b5a2e4d86bd1"])
    }

    /// A 64-bit B3 trace ID is written back in 16 hex digits, as Zipkin does.
    @Test func a64BitB3TraceIDIsWrittenBackIn16Digits() throws {
        let (tracer, _) = makeBridge(sampler: NeverSampler(), propagation: .b3)
        let context = tracer.context(from: ["b3": "64fe8b2a57d3eff7-e457b5a2e4d86bd1-1"])
        var outgoing: [String: String] = [:]
        tracer.withSpan("/api", context: context, ofKind: .server) { span in outgoing = tracer.headers(for: span.context) }
        #expect(outgoing["x-b3-traceid"] == "64fe8b2a57d3eff7")
        #expect(outgoing["b3"]?.hasPrefix("64fe8b2a57d3eff7-") == true)
    }

    /// `b3: 0` (or `X-B3-Sampled: 0` alone) is an upstream's "do not sample": the request
    /// starts a new trace that records nothing, whatever our sampler would say, and passes the
    /// decision on.
    @Test(arguments: [["b3": "0"], ["X-B3-Sampled": "0"], ["x-b3-sampled": "false"]])
    func aB3DenyWithoutATraceStartsAnUnsampledTrace(_ headers: [String: String]) throws {
        let (tracer, reporter) = makeBridge(sampler: AlwaysSampler(), propagation: .b3)
        let incoming = tracer.context(from: headers)
        #expect(incoming.dapperSpanContext == nil, "no trace to continue")
        #expect(tracer.malformedHeaderCount == 0)
        let server = tracer.startSpan("GET /", context: incoming, ofKind: .server)
        #expect(!server.isRecording)
        let client = tracer.startSpan("GET /next", context: server.context, ofKind: .client)
        #expect(!client.isRecording)
        let outgoing = tracer.headers(for: client.context)
        let fields = try #require(outgoing["b3"]).split(separator: "-")
        #expect(fields.count == 2 || fields[2] == "0")
        #expect(outgoing["x-b3-sampled"] == "0")
        #expect(outgoing["x-b3-traceid"] == String(fields[0]))
        client.end()
        server.end()
        #expect(reporter.spans.isEmpty)
    }

    /// `b3: 1` and `b3: d` alone ask for a sampled (or debug) trace without giving one.
    @Test func aB3AcceptOrDebugWithoutATraceStartsARecordedTrace() throws {
        let (tracer, reporter) = makeBridge(sampler: NeverSampler(), propagation: .b3)
        for headers in [["b3": "1"], ["b3": "d"], ["X-B3-Sampled": "1"], ["X-B3-Flags": "1"]] {
            let span = tracer.startSpan("GET /", context: tracer.context(from: headers), ofKind: .server)
            #expect(span.isRecording, "\(headers)")
            span.end()
        }
        let spans = reporter.spans
        #expect(spans.count == 4)
        #expect(spans.allSatisfy { $0.context.parentID == 0 && $0.context.spanID == $0.context.traceID })
        #expect(spans.map { $0.context.isDebug } == [false, true, false, true])
        #expect(Set(spans.map(\.context.traceID)).count == 4)
    }

    /// A request whose B3 headers leave the decision to us is decided once, by its first span:
    /// its children inherit the decision instead of asking the sampler again.
    @Test func aDeferredB3DecisionIsMadeOnceForTheWholeRequest() throws {
        let sampler = CountingSampler(sampled: false)
        let (tracer, reporter) = makeBridge(sampler: sampler, propagation: .b3)
        let incoming = tracer.context(from: ["X-B3-TraceId": "80f198ee56343ba8", "X-B3-SpanId": "e457b5a2e4d86bd1"])
        tracer.withSpan("GET /order", context: incoming, ofKind: .server) { _ in
            tracer.withSpan("SELECT orders", ofKind: .client) { span in
                #expect(!span.isRecording)
                #expect(tracer.headers(for: span.context)["x-b3-sampled"] == "0")
            }
            tracer.withSpan("GET /user", ofKind: .client) { span in #expect(!span.isRecording) }
        }
        #expect(sampler.calls == 1)
        #expect(reporter.spans.isEmpty)
    }

    @Test func aSampledDeferredDecisionCarriesTheSamplersProbability() throws {
        // The operation's first request of this second is used up, and the draw is under 0.5:
        // sampled with probability 0.5.
        let sampler = ProbabilitySampler(probability: 0.5, unixSeconds: { 1_000 }, random: { 0.1 })
        _ = sampler.decide(traceID: 1, operationName: "GET /order")
        let (tracer, reporter) = makeBridge(sampler: sampler, propagation: .b3)
        let incoming = tracer.context(from: ["b3": "80f198ee56343ba8-e457b5a2e4d86bd1"])
        tracer.withSpan("GET /order", context: incoming, ofKind: .server) { _ in
            tracer.withSpan("child", ofKind: .client) { _ in }
        }
        let spans = reporter.spans
        try #require(spans.count == 2)
        #expect(spans.allSatisfy { $0.context.probability == 0.5 })
        #expect(spans.allSatisfy { $0.context.traceID == 0x80f1_98ee_5634_3ba8 })
    }

    /// `b3: 1` and `b3: d` force a recorded root: probability 1, and a debug root is marked
    /// as `new(_:debug:)` marks one.
    @Test func aForcedRootCarriesProbabilityOneAndItsDebugMark() throws {
        let (tracer, reporter) = makeBridge(sampler: NeverSampler(), propagation: .b3)
        for value in ["1", "d"] {
            tracer.startSpan("GET /", context: tracer.context(from: ["b3": value]), ofKind: .server).end()
        }
        let spans = reporter.spans
        try #require(spans.count == 2)
        #expect(spans.allSatisfy { $0.context.probability == 1 })
        #expect(spans[0].tag("debug") == nil)
        #expect(spans[1].tag("debug") == .bool(true))
    }

    @Test func kratosWinsWhenSeveralFormatsArePresent() {
        let (tracer, _) = makeBridge(propagation: .all)
        let context = tracer.context(from: [
            "kratos-trace-id": "3e8:7d0:0:1",
            "traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        ])
        #expect(context.dapperSpanContext?.traceID == 1000)
        #expect(context.dapperSpanContext?.traceIDHigh == 0)
        #expect(context.dapperSpanContext?.spanID == 2000)
    }

    @Test func everySelectedFormatIsInjected() {
        let (tracer, _) = makeBridge(propagation: .all)
        let span = tracer.startSpan("call", context: .topLevel, ofKind: .client)
        defer { span.end() }
        let keys = Set(tracer.headers(for: span.context).keys)
        #expect(keys == ["kratos-trace-id", "x-b3-traceid", "x-b3-spanid", "x-b3-sampled", "b3", "traceparent"])
    }

    @Test func nothingIsInjectedOutsideASpan() {
        let (tracer, _) = makeBridge(propagation: .all)
        #expect(tracer.headers(for: .topLevel).isEmpty)
    }

    /// Work a request started may outlive its span (a `Task` that sends a notification): its
    /// calls still carry the trace, with the ended span as their parent.
    @Test func anEndedSpansContextStillPropagatesItsTrace() throws {
        let (tracer, reporter) = makeBridge(propagation: .kratos)
        let span = tracer.startSpan("request", context: .topLevel)
        let open = tracer.headers(for: span.context)
        span.end()
        let ended = tracer.headers(for: span.context)
        #expect(ended == open)
        let reported = try #require(reporter.spans.first)
        #expect(ended["kratos-trace-id"] == reported.context.description)
    }

    @Test func randomBytesInEveryHeaderNeverCrashTheExtractor() {
        let (tracer, _) = makeBridge(propagation: .all)
        var generator = SystemRandomNumberGenerator()
        let names = ["kratos-trace-id", "traceparent", "b3", "x-b3-traceid", "x-b3-spanid", "x-b3-sampled", "x-b3-parentspanid"]
        for _ in 0..<2000 {
            var headers: [String: String] = [:]
            for name in names where Bool.random(using: &generator) {
                let bytes = (0..<Int.random(in: 0..<70, using: &generator)).map { _ in
                    Bool.random(using: &generator) ? UInt8.random(in: 0...255, using: &generator) : Array("0123456789abcdef-:".utf8).randomElement(using: &generator)!
                }
                headers[name] = String(decoding: bytes, as: UTF8.self)
            }
            _ = tracer.context(from: headers)
        }
    }
}

extension String {
    func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
