import Benchmark
import Dapper
import DapperTracing
import OTel
import ServiceLifecycle
import Tracing

struct TestError: Error, CustomStringConvertible {
    var description: String { "test error" }
}

/// The legacy loop through swift-distributed-tracing, as in `DapperBenchmarks`'
/// `BridgeBenchmarks.swift`: three nested `withSpan`, two attributes, `recordError` on the
/// middle span.
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

/// swift-otel's tracer with `sampler`, exporting nowhere, its service running (it processes
/// the ended spans) for the life of the benchmark process.
func makeOTelTracer(_ sampler: OTel.Configuration.TracesConfiguration.SamplerConfiguration) throws -> any Tracing.Tracer {
    var configuration = OTel.Configuration.default
    configuration.serviceName = "otel-comparison"
    configuration.traces.sampler = sampler
    configuration.traces.exporter = .none
    configuration.metrics.enabled = false
    configuration.logs.enabled = false
    let backend = try OTel.makeTracingBackend(configuration: configuration)
    let service = backend.service
    Task { try await service.run() }
    return backend.factory
}

// Made on first use, once per benchmark process (each benchmark runs in its own).
let otelAlwaysOn = Result { try makeOTelTracer(.alwaysOn) }
let otelAlwaysOff = Result { try makeOTelTracer(.alwaysOff) }

let benchmarks: @Sendable () -> Void = {
    let configuration = Benchmark.Configuration(
        metrics: [.wallClock, .mallocCountTotal],
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(3),
        maxIterations: 2_000
    )
    let testError = TestError()
    let defaultTags = [
        SpanTag(key: "region", value: "region01"), SpanTag(key: "zone", value: "zone01"),
        SpanTag(key: "hostname", value: "bench-host-01"), SpanTag(key: "ip", value: "10.0.0.1"),
    ]
    let sampled = DapperDistributedTracer(
        DapperTracer(serviceName: "bench", reporter: DiscardingReporter(), sampler: .always, defaultTags: defaultTags))
    let unsampled = DapperDistributedTracer(
        DapperTracer(serviceName: "bench", reporter: DiscardingReporter(), sampler: .never, defaultTags: defaultTags))

    Benchmark("noop-withspan-loop", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations { withSpanLoop(NoOpTracer(), testError) }
    }
    Benchmark("bridge-withspan-loop", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations { withSpanLoop(sampled, testError) }
    }
    Benchmark("bridge-withspan-unsampled", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations { withSpanLoop(unsampled, testError) }
    }
    Benchmark("otel-withspan-loop", configuration: configuration) { benchmark in
        let tracer = try otelAlwaysOn.get()
        for _ in benchmark.scaledIterations { withSpanLoop(tracer, testError) }
    }
    Benchmark("otel-withspan-alwaysoff", configuration: configuration) { benchmark in
        let tracer = try otelAlwaysOff.get()
        for _ in benchmark.scaledIterations { withSpanLoop(tracer, testError) }
    }
}
