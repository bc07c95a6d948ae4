import Dapper
import DapperTesting
import Synchronization
import Testing

/// Compatibility §2 and §3: starting traces with `DapperTracer`, and what it hands its sampler and reporter.
@Suite struct TracerTests {
    /// A sampler that answers a fixed decision and records what it was asked.
    final class RecordingSampler: Sampler {
        let decision: SamplingDecision
        private let calls = Mutex<[(traceID: UInt64, operationName: String)]>([])

        init(_ decision: SamplingDecision) { self.decision = decision }

        var recorded: [(traceID: UInt64, operationName: String)] { calls.withLock { $0 } }

        func decide(traceID: UInt64, operationName: String) -> SamplingDecision {
            calls.withLock { $0.append((traceID, operationName)) }
            return decision
        }
    }

    @Test func rootSpanIDEqualsTraceIDAndParentIsZero() throws {
        let (tracer, _) = makeTracer()
        for _ in 0..<100 {
            let span = tracer.new("root")
            let context = try #require(span.context)
            #expect(context.traceID != 0)
            #expect(context.spanID == context.traceID)
            #expect(context.parentID == 0)
            #expect(context.level == 1)
            span.finish()
        }
    }

    @Test func newAsksTheSamplerWithTheNewTraceIDAndOperationName() throws {
        let sampler = RecordingSampler(SamplingDecision(isSampled: true, probability: 0.75))
        let (tracer, _) = makeTracer(sampler: sampler)
        let span = tracer.new("/api/x")
        let context = try #require(span.context)
        let calls = sampler.recorded
        #expect(calls.count == 1)
        #expect(calls.first?.traceID == context.traceID)
        #expect(calls.first?.operationName == "/api/x")
        span.finish()
    }

    @Test func childrenAndExtractDoNotAskTheSampler() {
        let sampler = RecordingSampler(SamplingDecision(isSampled: true, probability: 1))
        let (tracer, _) = makeTracer(sampler: sampler)
        let root = tracer.new("root")
        root.fork("", "a").finish()
        root.follow("", "b").finish()
        _ = try? tracer.extract(from: DictionaryCarrier(["kratos-trace-id": "1:2:0:1"]))
        root.finish()
        #expect(sampler.recorded.count == 1)
    }

    /// Compatibility §3 (where we differ): the sampling probability is carried into the span and its children.
    @Test func theSamplersProbabilityIsCarriedIntoTheSpanAndItsChildren() throws {
        let sampler = RecordingSampler(SamplingDecision(isSampled: true, probability: 0.125))
        let (tracer, reporter) = makeTracer(sampler: sampler)
        let root = tracer.new("root")
        #expect(try #require(root.context).probability == 0.125)
        let child = root.fork("", "child")
        #expect(try #require(child.context).probability == 0.125)
        let grandchild = child.follow("", "grandchild")
        #expect(try #require(grandchild.context).probability == 0.125)
        grandchild.finish()
        child.finish()
        root.finish()
        #expect(reporter.spans.map(\.context.probability) == [0.125, 0.125, 0.125])
    }

    @Test func probabilitySamplerDecisionsReachTheSpans() throws {
        let second = Knob<Int64>(100)
        let random = Knob<Float>(0.25)
        let sampler = ProbabilitySampler(probability: 0.5, unixSeconds: { second.value }, random: { random.value })
        let (tracer, reporter) = makeTracer(sampler: sampler)
        let first = tracer.new("/op")  // first of its second: probability 1
        let secondSpan = tracer.new("/op")  // 0.25 < 0.5: sampled with 0.5
        random.value = 0.75
        let third = tracer.new("/op")  // not sampled
        #expect(try #require(first.context).probability == 1)
        #expect(try #require(secondSpan.context).probability == 0.5)
        #expect(try #require(third.context).probability == 0)
        #expect(try #require(third.context).flags.rawValue == 0)
        secondSpan.fork("", "child").finish()
        for span in [first, secondSpan, third] { span.finish() }
        #expect(reporter.spans.map(\.context.probability) == [0.5, 1, 0.5])
        #expect(reporter.spans.map(\.operationName) == ["child", "/op", "/op"])
    }

    @Test func unsampledDecisionGivesNoFlagsAndProbabilityZero() throws {
        let sampler = RecordingSampler(SamplingDecision(isSampled: false, probability: 0.3))
        let (tracer, _) = makeTracer(sampler: sampler)
        let span = tracer.new("root")
        let context = try #require(span.context)
        #expect(context.flags.rawValue == 0)
        #expect(context.probability == 0)
        span.finish()
    }

    /// Sampling disabled: every trace sampled with probability 1.
    @Test func alwaysSamplerTracerSamplesEveryTraceWithProbabilityOne() throws {
        let (tracer, reporter) = makeTracer(sampler: .always)
        for name in ["/a", "/a", "/metrics", "/ping"] {
            let span = tracer.new(name)
            #expect(try #require(span.context).isSampled)
            span.finish()
        }
        #expect(reporter.spans.count == 4)
        #expect(reporter.spans.allSatisfy { $0.context.probability == 1 && $0.context.flags.rawValue == 1 })
    }

    @Test func newSpanKeepsItsOperationName() {
        let (tracer, _) = makeTracer()
        let span = tracer.new("/api/user/info")
        #expect(span.operationName == "/api/user/info")
        span.finish()
    }

    @Test func tracerKeepsItsConfiguration() {
        let reporter = InMemoryReporter()
        let tracer = DapperTracer(serviceName: "svc", reporter: reporter, sampler: NeverSampler(), defaultTags: testDefaultTags)
        #expect(tracer.serviceName == "svc")
        #expect(tracer.reporter as? InMemoryReporter === reporter)
        #expect(tracer.sampler is NeverSampler)
        #expect(tracer.defaultTags == testDefaultTags)
    }

    @Test func defaultSamplerIsTheLegacyProbabilitySampler() {
        let tracer = DapperTracer(serviceName: "svc", reporter: InMemoryReporter(), defaultTags: [])
        let sampler = tracer.sampler as? ProbabilitySampler
        #expect(sampler?.probability == ProbabilitySampler.defaultProbability)
    }

    @Test func defaultTagsDefaultToTheEnvironment() {
        let tracer = DapperTracer(serviceName: "svc", reporter: InMemoryReporter(), sampler: .always)
        #expect(tracer.defaultTags == DefaultTags.fromEnvironment())
        let reporter = tracer.reporter as? InMemoryReporter
        tracer.new("root").finish()
        let tags = reporter?.spans.first.map { Array($0.tags) } ?? []
        #expect(tags == DefaultTags.fromEnvironment() + [SpanTag(key: "span.kind", value: .string("server"))])
    }

    @Test func continueTraceMakesAServerChildOfTheRemoteSpan() throws {
        let (tracer, reporter) = makeTracer(sampler: .never)
        let remote = SpanContext(traceID: 0xAB, spanID: 0xCD, parentID: 0x12, flags: .sampled, probability: 0.5, level: 9)
        let span = tracer.continueTrace(remote)
        let context = try #require(span.context)
        #expect(context.traceID == 0xAB)
        #expect(context.parentID == 0xCD)
        #expect(context.spanID != 0xCD && context.spanID != 0)
        #expect(context.flags == .sampled)
        #expect(context.level == 1)
        #expect(span.operationName == "")
        span.finish()
        #expect(reporter.spans.count == 1)
        #expect(reporter.spans[0].kind == "server")
    }

    @Test func flushAndCloseGoToTheReporter() async {
        let (tracer, reporter) = makeTracer()
        let flushed = await tracer.flush(timeout: .seconds(1))
        #expect(flushed.isComplete)
        #expect(!reporter.isClosed)
        _ = await tracer.close(timeout: .seconds(1))
        #expect(reporter.isClosed)
        tracer.new("after-close").finish()
        #expect(reporter.spans.isEmpty)
        #expect(reporter.statistics.dropped[.closed] == 1)
    }

    @Test func reporterReceivesSpansInTheOrderTheyFinish() {
        let (tracer, reporter) = makeTracer()
        let root = tracer.new("root")
        let a = root.fork("", "a")
        let b = root.fork("", "b")
        b.finish()
        root.finish()
        a.finish()
        #expect(reporter.spans.map(\.operationName) == ["b", "root", "a"])
    }
}
