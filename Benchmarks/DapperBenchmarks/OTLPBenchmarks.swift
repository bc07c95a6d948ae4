import Benchmark
import BenchmarkSinks
import Dapper
import DapperOTLPWire
import Synchronization

func registerOTLPBenchmarks(_ loop: Benchmark.Configuration, _ throughput: Benchmark.Configuration, typicalSpan span: FinishedSpan) {
    // The typical span, 100 to a batch, as one ExportTraceServiceRequest: the `*` rows are per
    // span, as for zipkin-*-encode.
    let batch = [FinishedSpan](repeating: span, count: 100)
    let encoder = OTLPSpanEncoder(resource: OTLPPipeline.resource)
    Benchmark("otlp-encode", configuration: loop) { benchmark in
        let encoder = encoder
        for _ in 0..<(benchmark.scaledIterations.count / 100) {
            blackHole(try? encoder.withEncodedRequest(batch) { $0.count })
        }
    }

    // The typical span reported into BatchingReporter(exporter: OTLPExporter(…)) with the
    // exporter's own defaults (OTLP/HTTP protobuf, batches of 512, a queue of 2048), posting
    // to a local HTTP/1.1 server that answers 200 to everything. Steady state as for
    // zipkin-reporter-throughput: the benchmark thread pauses while the queue is over half
    // full. Throughput (K) is thousands of spans per second through the reporter; "Spans
    // lost" counts drops per 1000; the teardown prints reported, delivered and dropped.
    Benchmark("otlp-exporter-throughput", configuration: throughput) { (benchmark: Benchmark, pipeline: OTLPPipeline) in
        let before = pipeline.reporter.statistics
        benchmark.startMeasurement()
        pipeline.reportSteadily(span, count: benchmark.scaledIterations.count)
        benchmark.stopMeasurement()
        let after = pipeline.reporter.statistics
        benchmark.measurement(.custom("Spans lost"), after.totalDropped - before.totalDropped)
    } setup: {
        let pipeline = try OTLPPipeline()
        runningOTLP.withLock { $0 = pipeline }
        return pipeline
    } teardown: {
        if let pipeline = runningOTLP.withLock({ $0 }) { await pipeline.stop() }
    }
}

/// The OTLP benchmark's pipeline, for its teardown (which gets no arguments).
let runningOTLP = Mutex<OTLPPipeline?>(nil)
