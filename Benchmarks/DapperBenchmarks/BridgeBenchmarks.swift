import Benchmark
import BenchmarkWorkloads
import Dapper
import DapperTracing
import Tracing

func registerBridgeBenchmarks(_ configuration: Benchmark.Configuration, _ testError: TestError) {
    let sampled = DapperDistributedTracer(makeTracer(sampler: .always))
    let unsampled = DapperDistributedTracer(makeTracer(sampler: .never))

    // swift-distributed-tracing's own no-op tracer: the floor of the API (task-local pushes).
    Benchmark("noop-withspan-loop", configuration: configuration) { benchmark in
        let tracer = NoOpTracer()
        for _ in benchmark.scaledIterations { withSpanLoop(tracer, testError) }
    }

    Benchmark("bridge-withspan-loop", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations { withSpanLoop(sampled, testError) }
    }

    // The sampler says no to the root: nothing is recorded, the trace is still propagated.
    Benchmark("bridge-withspan-unsampled", configuration: configuration) { benchmark in
        for _ in benchmark.scaledIterations { withSpanLoop(unsampled, testError) }
    }
}
