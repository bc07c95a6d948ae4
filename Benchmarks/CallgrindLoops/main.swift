// The benchmarks' loops as a plain executable, for instruction counts under callgrind
// (deterministic, whatever the machine's load): `bash instruction-counts.sh` from this
// directory. `CallgrindLoops <loop> <n>` runs the loop 1000 + 5 × n times; the Zipkin loops and
// `otlp-encode` encode 1000 + 5 × n spans, in batches of 100 as `zipkin-*-encode` do; the
// hostile loops (`zipkin-*-hostile-*`, HostileSpans.swift) encode n spans of `HOSTILE_SIZE`
// (9 000) tags or log fields, one at a time. `CallgrindLoops hostile-time <rounds>` times those spans.

#if canImport(Glibc)
import Glibc
#endif
import BenchmarkWorkloads
import Dapper
import DapperOTLPWire
import DapperTracing
@_spi(Benchmarks) import DapperZipkinWire  // ZipkinTagPrefixCache, as the Zipkin reporter encodes
import Tracing

/// The same error as DapperBenchmarks' (defined in each executable: see BenchmarkWorkloads).
struct TestError: Error, CustomStringConvertible {
    let description = "test error"
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

/// DapperBenchmarks' `fullContext`: three identifiers of 16 hex digits (the longest text form).
let fullContext = SpanContext(
    traceID: 0xfedc_ba98_7654_3210,
    spanID: 0x8123_4567_89ab_cdef,
    parentID: 0xa1b2_c3d4_e5f6_0718,
    flags: .sampled
)
/// Loops over a context change its span ID each time (keeping 16 digits), as DapperBenchmarks'
/// `context-format` does, so that the text cannot be computed once for the whole loop.
nonisolated(unsafe) var contextIndex: UInt64 = 0
@inline(__always) func nextContext() -> SpanContext {
    contextIndex &+= 1
    var context = fullContext
    context.spanID ^= contextIndex
    return context
}

/// The Zipkin benchmarks' batch: 100 typical spans.
let typicalBatch = [FinishedSpan](repeating: typicalSpan(), count: 100)

let arguments = CommandLine.arguments
guard arguments.count == 3, let count = Int(arguments[2]), count > 0 else {
    print("usage: CallgrindLoops noop|sampled|unsampled|legacy|pool-off|unsampled-loop|context-set|context-set-empty|context-get|context-set-specialised|context-get-specialised|context-format|context-format-into|context-parse|zipkin-json|zipkin-proto|otlp-encode|zipkin-json-hostile-tags|zipkin-json-hostile-logs|zipkin-proto-hostile-tags|zipkin-proto-hostile-logs|hostile-time|scaling <iterations>")
    exit(2)
}
let testError = TestError()
let body: () -> Void
/// The Zipkin and OTLP loops encode a batch per call: `count` counts spans, so that the figure is per span.
var spansPerIteration = 1
/// The hostile loops run exactly `count` times: a hostile span costs too much for 1 000 + 5 × n.
var iterations = (1000 + 5 * count)
switch arguments[1] {
case "noop": body = { withSpanLoop(NoOpTracer(), testError) }
case "sampled":
    let tracer = DapperDistributedTracer(makeTracer(sampler: .always))
    body = { withSpanLoop(tracer, testError) }
case "unsampled":
    let tracer = DapperDistributedTracer(makeTracer(sampler: .never))
    body = { withSpanLoop(tracer, testError) }
case "legacy":
    let tracer = makeTracer(sampler: .always)
    body = { legacySample(tracer, testError) }
case "pool-off":
    let tracer = makeTracer(sampler: .always, usesSpanPool: false)
    body = { legacySample(tracer, testError) }
case "unsampled-loop":
    let tracer = makeTracer(sampler: .never)
    body = { unsampledSample(tracer) }
case "context-set": body = { sink &+= setOnCopy(oneEntry, UInt64(sink)).count }
case "context-set-empty": body = { sink &+= setOnCopy(.topLevel, UInt64(sink)).count }
case "context-get": body = { keep(read(oneEntry)) }
case "context-set-specialised": body = { sink &+= setOnCopy(oneSpecialised, UInt64(sink)).storage.count }
case "context-get-specialised": body = { keep(read(oneSpecialised)) }
case "context-format": body = { sink &+= nextContext().description.utf8.count }
case "context-format-into": body = { sink &+= nextContext().withText { Int($0[20]) &+ $0.count } }
case "context-parse":
    let text = fullContext.description
    body = { sink &+= Int(truncatingIfNeeded: (try? SpanContext(parsing: text))?.spanID ?? 0) }
case "zipkin-json":
    let batch = typicalBatch
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
    let batch = typicalBatch
    let encoder = ZipkinProtoEncoder()
    spansPerIteration = batch.count
    body = { sink &+= encoder.withEncodedList(batch) { $0.count } }
case "otlp-encode":
    let batch = typicalBatch
    let encoder = OTLPSpanEncoder(resource: OTLPResource(serviceName: "benchmark", attributes: [("deployment.environment", "bench")]))
    spansPerIteration = batch.count
    body = { sink &+= (try? encoder.withEncodedRequest(batch) { $0.count }) ?? 0 }
case "zipkin-json-hostile-tags", "zipkin-json-hostile-logs":
    let batch = [hostileSpan(arguments[1].hasSuffix("tags") ? .tags : .logs, count: hostileSize())]
    let encoder = ZipkinJSONEncoder()
    var buffer: [UInt8] = []
    iterations = count
    body = {
        buffer.removeAll(keepingCapacity: true)
        encoder.appendList(batch, to: &buffer)
        sink &+= buffer.count
    }
case "zipkin-proto-hostile-tags", "zipkin-proto-hostile-logs":
    let batch = [hostileSpan(arguments[1].hasSuffix("tags") ? .tags : .logs, count: hostileSize())]
    let encoder = ZipkinProtoEncoder()
    iterations = count
    body = { sink &+= encoder.withEncodedList(batch) { $0.count } }
case "hostile-time":
    timeHostileSpans(rounds: count)
    exit(0)
case "scaling":
    probeScaling(iterations: count)
    exit(0)
default:
    print("unknown loop \(arguments[1])")
    exit(2)
}
for _ in 0..<(iterations / spansPerIteration) { body() }
if sink == 42 { print(sink) }  // keeps the results alive
