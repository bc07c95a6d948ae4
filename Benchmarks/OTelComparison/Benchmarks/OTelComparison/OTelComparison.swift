import Benchmark
import BenchmarkWorkloads
import Dapper
import DapperTracing
import OTel
import ServiceLifecycle
import Tracing

/// The Go benchmark's error (each executable defines its own: see BenchmarkWorkloads).
struct TestError: Error, CustomStringConvertible {
    var description: String { "test error" }
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
    let sampled = DapperDistributedTracer(makeTracer(sampler: .always))
    let unsampled = DapperDistributedTracer(makeTracer(sampler: .never))

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

    registerOTLPComparison(configuration)
}
