// The workloads both benchmark executables run: package-benchmark's DapperBenchmarks times
// them, CallgrindLoops counts their instructions. One definition, so that the two always
// measure the same code. The loop bodies are `@inlinable` so that each executable compiles
// (and specialises) them itself, as it did when they lived in its own module; they are generic
// over the error, which each executable defines itself (`TestError`): finishing a span with an
// error of a type from another module costs about 1 300 instructions more (a dynamic cast to
// `CustomStringConvertible` the optimiser can no longer resolve), which would move every
// figure in BENCHMARKS.md.

@_spi(Benchmarks) import Dapper  // the tracer without its span pool (makeTracer(usesSpanPool: false))
import Tracing

/// Fixed default tags, as the original's environment would give them: no lookup of the
/// machine's host name or address, so that every run records the same tags.
public let benchmarkDefaultTags: [SpanTag] = [
    SpanTag(key: "region", value: "region01"),
    SpanTag(key: "zone", value: "zone01"),
    SpanTag(key: "hostname", value: "bench-host-01"),
    SpanTag(key: "ip", value: "10.0.0.1"),
]

/// A tracer that discards what it records, with the fixed default tags.
public func makeTracer(sampler: any Sampler, usesSpanPool: Bool = true) -> DapperTracer {
    DapperTracer(
        serviceName: "dapper-benchmarks",
        reporter: DiscardingReporter(),
        sampler: sampler,
        defaultTags: benchmarkDefaultTags,
        usesSpanPool: usesSpanPool
    )
}

/// The body of the Go original's `BenchmarkSample`: a root with a tag, two nested children,
/// a tag on the innermost, the middle one finished with an error. Returns the innermost span,
/// for the caller to keep alive (package-benchmark's `blackHole`).
@inlinable @inline(__always) @discardableResult
public func legacySample<E: Error>(_ tracer: DapperTracer, _ testError: E) -> DapperSpan {
    let sp1 = tracer.new("test_opt1")
    sp1.setTag("test", "123")
    let sp2 = sp1.fork("", "opt2")
    let sp3 = sp2.fork("", "opt3")
    sp3.setTag("test", "123")
    sp3.finish()
    sp2.finish(error: testError)
    sp1.finish()
    return sp3
}

/// The Go original's unsampled benchmark body: a root with a tag and a child, both finished,
/// under a sampler that samples nothing. Returns the child, for the caller to keep alive.
@inlinable @inline(__always) @discardableResult
public func unsampledSample(_ tracer: DapperTracer) -> DapperSpan {
    let root = tracer.new("test_opt1")
    root.setTag("test", "123")
    let child = root.fork("", "opt2")
    child.finish()
    root.finish()
    return child
}

/// The legacy loop (`legacySample`) through swift-distributed-tracing: three nested
/// `withSpan`, an attribute on the outer and the inner span, `recordError` on the middle one.
/// Generic so that each tracer gets its own specialised copy, as a service's code would.
@inlinable @inline(never)
public func withSpanLoop<T: Tracing.Tracer, E: Error>(_ tracer: T, _ testError: E) {
    tracer.withSpan("test_opt1", ofKind: .server) { sp1 in
        sp1.attributes["test"] = "123"
        tracer.withSpan("opt2", ofKind: .client) { sp2 in
            tracer.withSpan("opt3", ofKind: .client) { sp3 in
                sp3.attributes["test"] = "123"
            }
            sp2.recordError(testError)
        }
    }
}

/// Keeps the last span reported.
public final class LastSpanReporter: Reporter, @unchecked Sendable {
    // @unchecked: used from one thread, once, while a benchmark is set up.
    /// The span reported last; `nil` before the first.
    public var span: FinishedSpan?
    /// A reporter that has kept nothing yet.
    public init() {}
    /// Keeps `span`, replacing the one kept before.
    public func report(_ span: FinishedSpan) { self.span = span }
    /// Nothing to flush: returns at once.
    public func flush(timeout: Duration) async -> FlushResult { FlushResult() }
    /// Nothing to close: returns at once.
    public func close(timeout: Duration) async -> FlushResult { FlushResult() }
    /// No counts: the reporter sends nothing.
    public var statistics: ReporterStatistics { ReporterStatistics() }
}

/// The typical span of the wire and Zipkin benchmarks, as a tracer makes it: a server span
/// with the 4 default tags and span.kind (the tracer's shared prefix), 4 tags of its own, and
/// one log with 2 fields.
public func typicalSpan() -> FinishedSpan {
    let reporter = LastSpanReporter()
    let tracer = DapperTracer(
        serviceName: "user-service", reporter: reporter, sampler: .always, defaultTags: benchmarkDefaultTags)
    let server = tracer.continueTrace(
        SpanContext(traceID: 0x7b2a_1c3d_4e5f_6071, spanID: 0x1234_5678_9abc_def0, flags: .sampled))
    server.setTitle("/api/user/info")
    server.setTag("http.method", "GET")
    server.setTag("http.status_code", 200)
    server.setTag("peer.service", "gateway")
    server.setTag("retry", false)
    server.setLog(SpanLogFields(SpanLogField(key: "event", value: "error"), SpanLogField(key: "message", value: "connection refused")))
    server.finish()
    guard let span = reporter.span else { fatalError("the tracer reported no span") }
    precondition(span.tags.count == 9 && span.logs.count == 1, "unexpected typical span: \(span)")
    return span
}
