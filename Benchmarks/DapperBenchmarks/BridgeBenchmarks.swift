import Benchmark
import Dapper
import DapperTracing
import Tracing

/// The legacy loop (`legacySample`) through swift-distributed-tracing: three nested
/// `withSpan`, an attribute on the outer and the inner span, `recordError` on the middle one.
/// Generic so that each tracer gets its own specialised copy, as a service's code would.
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
