// The benchmarks' loops as a plain executable, for instruction counts under callgrind
// (deterministic, whatever the machine's load): `bash instruction-counts.sh` from this
// directory. `CallgrindLoops <loop> <n>` runs the loop 1000 + 5 × n times; the Zipkin loops
// encode 1000 + 5 × n spans, in batches of 100 as `zipkin-*-encode` do.

#if canImport(Glibc)
import Glibc
#endif
import Dapper
import DapperTracing
import DapperWire
import Tracing

struct TestError: Error, CustomStringConvertible {
    let description = "test error"
}

let defaultTags: [SpanTag] = [
    SpanTag(key: "region", value: "region01"), SpanTag(key: "zone", value: "zone01"),
    SpanTag(key: "hostname", value: "bench-host-01"), SpanTag(key: "ip", value: "10.0.0.1"),
]

func makeTracer(_ sampler: any Sampler) -> DapperTracer {
    DapperTracer(serviceName: "bridge-loops", reporter: DiscardingReporter(), sampler: sampler, defaultTags: defaultTags)
}

/// The same body as `withSpanLoop` in DapperBenchmarks/BridgeBenchmarks.swift.
@inline(never)
func withSpanLoop<T: Tracing.Tracer>(_ tracer: T, _ testError: TestError) {
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

/// The same body as `legacySample` in DapperBenchmarks.swift.
@inline(never)
func legacySample(_ tracer: DapperTracer, _ testError: TestError) {
    let sp1 = tracer.new("test_opt1")
    sp1.setTag("test", "123")
    let sp2 = sp1.fork("", "opt2")
    let sp3 = sp2.fork("", "opt3")
    sp3.setTag("test", "123")
    sp3.finish()
    sp2.finish(error: testError)
    sp1.finish()
}

// What one `ServiceContext` operation costs, the floor under any tracer that propagates a
// trace through swift-distributed-tracing (BENCHMARKS.md): a key and value shaped like the
// bridge's, a context of one entry as a request's.

final class Handle: Sendable {}
enum Value: Sendable { case span(Handle, UInt64), propagated(UInt64, UInt64, UInt8, Bool) }
enum Key: ServiceContextKey { typealias Value = CallgrindLoops.Value }
let handle = Handle()
let oneEntry: ServiceContext = {
    var context = ServiceContext.topLevel
    context[Key.self] = .span(handle, 1)
    return context
}()
// Only the main thread runs these loops.
nonisolated(unsafe) var sink = 0

@inline(never) func setOnCopy(_ base: ServiceContext, _ value: UInt64) -> ServiceContext {
    var context = base
    context[Key.self] = .span(handle, value)
    return context
}

@inline(never) func read(_ context: ServiceContext) -> Value? { context[Key.self] }

/// The same dictionary and subscript as `ServiceContext`'s, compiled in this module so that
/// the optimiser specialises it: what the operations would cost if swift-distributed-tracing
/// made its subscript `@inlinable`.
struct SpecialisedContext: Sendable {
    struct AnyKey: Hashable {
        let type: Any.Type
        static func == (lhs: AnyKey, rhs: AnyKey) -> Bool { ObjectIdentifier(lhs.type) == ObjectIdentifier(rhs.type) }
        func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(type)) }
    }
    var storage: [AnyKey: any Sendable] = [:]
    @inline(__always) subscript<K: ServiceContextKey>(_ key: K.Type) -> K.Value? {
        get { storage[AnyKey(type: key)].map { $0 as! K.Value } }
        set { storage[AnyKey(type: key)] = newValue }
    }
}
let oneSpecialised: SpecialisedContext = {
    var context = SpecialisedContext()
    context[Key.self] = .span(handle, 1)
    return context
}()

@inline(never) func setOnCopy(_ base: SpecialisedContext, _ value: UInt64) -> SpecialisedContext {
    var context = base
    context[Key.self] = .span(handle, value)
    return context
}

@inline(never) func read(_ context: SpecialisedContext) -> Value? { context[Key.self] }

func keep(_ value: Value?) { if case .span(_, let generation)? = value { sink &+= Int(generation) } }

/// The typical span of DapperBenchmarks' `typicalSpan()`: a tracer's server span with 4 tags
/// and one log of 2 fields.
final class LastSpan: Reporter, @unchecked Sendable {
    // Only the main thread reports into it.
    var span: FinishedSpan?
    func report(_ span: FinishedSpan) { self.span = span }
    func flush(timeout: Duration) async -> FlushResult { FlushResult() }
    func close(timeout: Duration) async -> FlushResult { FlushResult() }
    var statistics: ReporterStatistics { ReporterStatistics() }
}

func typicalBatch() -> [FinishedSpan] {
    let reporter = LastSpan()
    let tracer = DapperTracer(serviceName: "user-service", reporter: reporter, sampler: AlwaysSampler(), defaultTags: defaultTags)
    let server = tracer.continueTrace(SpanContext(traceID: 0x7b2a_1c3d_4e5f_6071, spanID: 0x1234_5678_9abc_def0, flags: .sampled))
    server.setTitle("/api/user/info")
    server.setTag("http.method", "GET")
    server.setTag("http.status_code", 200)
    server.setTag("peer.service", "gateway")
    server.setTag("retry", false)
    server.setLog(SpanLogFields(SpanLogField(key: "event", value: "error"), SpanLogField(key: "message", value: "connection refused")))
    server.finish()
    return reporter.span.map { Array(repeating: $0, count: 100) } ?? []
}

let arguments = CommandLine.arguments
guard arguments.count == 3, let count = Int(arguments[2]), count > 0 else {
    print("usage: CallgrindLoops noop|sampled|unsampled|legacy|context-set|context-set-empty|context-get|context-set-specialised|context-get-specialised|zipkin-json|zipkin-proto <iterations>")
    exit(2)
}
let testError = TestError()
let body: () -> Void
/// The Zipkin loops encode a batch per call: `count` counts spans, so that the figure is per span.
var spansPerIteration = 1
switch arguments[1] {
case "noop": body = { withSpanLoop(NoOpTracer(), testError) }
case "sampled":
    let tracer = DapperDistributedTracer(makeTracer(AlwaysSampler()))
    body = { withSpanLoop(tracer, testError) }
case "unsampled":
    let tracer = DapperDistributedTracer(makeTracer(NeverSampler()))
    body = { withSpanLoop(tracer, testError) }
case "legacy":
    let tracer = makeTracer(AlwaysSampler())
    body = { legacySample(tracer, testError) }
case "context-set": body = { sink &+= setOnCopy(oneEntry, UInt64(sink)).count }
case "context-set-empty": body = { sink &+= setOnCopy(.topLevel, UInt64(sink)).count }
case "context-get": body = { keep(read(oneEntry)) }
case "context-set-specialised": body = { sink &+= setOnCopy(oneSpecialised, UInt64(sink)).storage.count }
case "context-get-specialised": body = { keep(read(oneSpecialised)) }
case "zipkin-json":
    let batch = typicalBatch()
    let encoder = ZipkinJSONEncoder()
    let prefixCache = ZipkinTagPrefixCache()
    var buffer: [UInt8] = []
    buffer.reserveCapacity(256 * 1024)
    spansPerIteration = batch.count
    body = {
        buffer.removeAll(keepingCapacity: true)
        encoder.appendList(batch, to: &buffer, prefixCache: prefixCache)
        sink &+= buffer.count
    }
case "zipkin-proto":
    let batch = typicalBatch()
    let encoder = ZipkinProtoEncoder()
    spansPerIteration = batch.count
    body = { sink &+= encoder.withEncodedList(batch) { $0.count } }
default:
    print("unknown loop \(arguments[1])")
    exit(2)
}
for _ in 0..<((1000 + 5 * count) / spansPerIteration) { body() }
if sink == 42 { print(sink) }  // keeps the results alive
