import Dapper
import DapperTesting
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The no-op tracer, and the process-wide tracer behind the module-level functions.
///
/// Every test that sets the process-wide tracer is in this one serialized suite: the tracer is
/// shared by the whole test process, and no other suite reads it.
@Suite(.serialized) struct GlobalTracerTests {
    /// A reporter that counts flushes and closes and the timeouts they were given.
    final class CountingReporter: Reporter {
        let inner = InMemoryReporter()
        private let calls = Mutex<[String]>([])

        var recorded: [String] { calls.withLock { $0 } }

        func report(_ span: FinishedSpan) { inner.report(span) }

        func flush(timeout: Duration) async -> FlushResult {
            calls.withLock { $0.append("flush \(timeout)") }
            return FlushResult(delivered: 3)
        }

        func close(timeout: Duration) async -> FlushResult {
            calls.withLock { $0.append("close \(timeout)") }
            _ = await inner.close(timeout: timeout)
            return FlushResult(delivered: 4)
        }

        var statistics: ReporterStatistics { inner.statistics }
    }

    static func makeGlobal() -> (DapperTracer, CountingReporter) {
        let reporter = CountingReporter()
        let tracer = DapperTracer(
            serviceName: "global", reporter: reporter, sampler: AlwaysSampler(), defaultTags: testDefaultTags)
        setGlobalTracer(tracer)
        return (tracer, reporter)
    }

    // MARK: NoopTracer

    @Test func noopTracerStartsNoOpSpans() {
        let tracer = NoopTracer()
        #expect(tracer.new("op").isNoop)
        #expect(tracer.new("op", debug: true).isNoop)
        #expect(tracer.new("op").context == nil)
    }

    @Test func noopTracerExtractsANoOpSpanInsteadOfFailing() throws {
        let tracer = NoopTracer()
        #expect(try tracer.extract(from: DictionaryCarrier(["kratos-trace-id": "1:2:0:1"])).isNoop)
        #expect(try tracer.extract(from: DictionaryCarrier()).isNoop)
    }

    @Test func noopTracerInjectsNothing() {
        var headers = HTTPHeadersCarrier()
        NoopTracer().inject(NoopTracer().new("op"), into: &headers)
        #expect(headers.fields.isEmpty)
    }

    @Test func noopTracerFlushAndCloseAreComplete() async {
        #expect(await NoopTracer().flush(timeout: .seconds(1)) == FlushResult())
        #expect(await NoopTracer().close(timeout: .seconds(1)).isComplete)
    }

    /// In a fresh process (an exit test) the process-wide tracer is a `NoopTracer`: in this
    /// process another test may already have set it, so that is checked in a child process.
    @Test func theProcessWideTracerIsANoopTracerUntilSet() async {
        await #expect(processExitsWith: .success) {
            guard globalTracer is NoopTracer else { exit(2) }
            let trace = newTrace("op")
            guard trace.context == nil else { exit(3) }
            var headers = DictionaryCarrier()
            injectTrace(trace, into: &headers)
            guard headers.values.isEmpty else { exit(4) }
            let extracted = try? extractTrace(from: DictionaryCarrier(["kratos-trace-id": "1:2:0:1"]))
            guard let extracted, extracted.context == nil else { exit(5) }
            guard withTrace("op", { $0.context }) == nil else { exit(6) }
            guard await flushGlobalTracer().isComplete, await closeGlobalTracer().isComplete else { exit(7) }
        }
    }

    // MARK: After setGlobalTracer

    @Test func setGlobalTracerReplacesTheProcessWideTracer() {
        let (tracer, _) = Self.makeGlobal()
        #expect((globalTracer as? DapperTracer) === tracer)
        let (replacement, _) = Self.makeGlobal()
        #expect((globalTracer as? DapperTracer) === replacement)
        #expect(replacement !== tracer)
    }

    @Test func newTraceGoesThroughTheGlobalTracer() throws {
        let (_, reporter) = Self.makeGlobal()
        let trace = newTrace("/global")
        let context = try #require(trace.context)
        #expect(context.isSampled)
        #expect(context.spanID == context.traceID)
        trace.finish()
        #expect(reporter.inner.spans.map(\.operationName) == ["/global"])
        #expect(reporter.inner.spans.first?.serviceName == "global")
    }

    @Test func newTraceWithDebugGoesThroughTheGlobalTracer() throws {
        let (_, reporter) = Self.makeGlobal()
        let trace = newTrace("/debug", debug: true)
        #expect(try #require(trace.context).isDebug)
        trace.finish()
        #expect(reporter.inner.spans.first?.tag("debug") == .bool(true))
    }

    @Test func injectTraceGoesThroughTheGlobalTracer() throws {
        _ = Self.makeGlobal()
        let trace = newTrace("/inject")
        var headers = HTTPHeadersCarrier()
        injectTrace(trace, into: &headers)
        #expect(headers.get("kratos-trace-id") == trace.traceID)
        #expect(!trace.traceID.isEmpty)
        trace.finish()
    }

    @Test func extractTraceGoesThroughTheGlobalTracer() throws {
        let (_, reporter) = Self.makeGlobal()
        let trace = try extractTrace(from: DictionaryCarrier(["kratos-trace-id": "3e8:7d0:0:1"]))
        let context = try #require(trace.context)
        #expect(context.traceID == 0x3E8)
        #expect(context.parentID == 0x7D0)
        trace.setTitle("/served")
        trace.finish()
        #expect(reporter.inner.spans.map(\.operationName) == ["/served"])
        #expect(throws: ExtractError.notFound) { try extractTrace(from: DictionaryCarrier()) }
        #expect(throws: ExtractError.malformed(.zeroID)) { try extractTrace(from: DictionaryCarrier(["kratos-trace-id": "0:0:0:0"])) }
    }

    @Test func withTraceOutsideAnyTraceStartsANewTraceOfTheGlobalTracer() throws {
        let (_, reporter) = Self.makeGlobal()
        let context = withTrace("/top") { trace in trace.context }
        let root = try #require(context)
        #expect(root.parentID == 0)
        #expect(root.spanID == root.traceID)
        #expect(reporter.inner.spans.map(\.operationName) == ["/top"])
        #expect(reporter.inner.spans.first?.kind == "server")
    }

    @Test func asyncWithTraceOutsideAnyTraceStartsANewTraceOfTheGlobalTracer() async throws {
        let (_, reporter) = Self.makeGlobal()
        let context = await withTrace("/top-async") { trace in
            await Task.yield()
            return trace.context
        }
        #expect(try #require(context).parentID == 0)
        #expect(reporter.inner.spans.map(\.operationName) == ["/top-async"])
    }

    @Test func flushGlobalTracerFlushesTheGlobalTracersReporter() async {
        let (_, reporter) = Self.makeGlobal()
        let result = await flushGlobalTracer(timeout: .milliseconds(250))
        #expect(result == FlushResult(delivered: 3))
        _ = await flushGlobalTracer()
        #expect(reporter.recorded == ["flush \(Duration.milliseconds(250))", "flush \(Duration.seconds(1))"])
    }

    @Test func closeGlobalTracerClosesTheGlobalTracersReporter() async {
        let (_, reporter) = Self.makeGlobal()
        let result = await closeGlobalTracer(timeout: .milliseconds(300))
        #expect(result == FlushResult(delivered: 4))
        #expect(reporter.recorded == ["close \(Duration.milliseconds(300))"])
        #expect(reporter.inner.isClosed)
        newTrace("/after-close").finish()
        #expect(reporter.inner.statistics.dropped[.closed] == 1)
    }

    @Test func aNoopTracerCanBeSetBack() {
        _ = Self.makeGlobal()
        setGlobalTracer(NoopTracer())
        #expect(globalTracer is NoopTracer)
        #expect(newTrace("op").context == nil)
    }
}
