import Benchmark
import BenchmarkSinks
import BenchmarkWorkloads
import Dapper
import DapperOTLP
import DapperReporting
import OTel
import Synchronization
import Tracing

#if canImport(Glibc)
import Glibc
#endif

// The typical span of the wire benchmarks (a server span with the 4 default tags, 4 tags of
// its own and one log or event of 2 fields) made by each tracer and exported over OTLP/HTTP
// (protobuf, each library's default batching: queue 2048, batches of 512) to the same local
// sink, in the same run. Each iteration makes one span and ends it. The sink counts the spans
// it receives; the benchmark thread pauses while more than `window` spans are made but not
// yet received, which keeps either library's queue from overflowing: swift-otel 1.6.0's batch
// processor exports a batch when its queue is full (or every 5 s), so the window is its queue
// size, and it gets as many spans in flight as it can hold.

let window = 2048

/// The sink of one benchmark process and what was made into it.
final class SinkState: Sendable {
    let server: AcceptingHTTPServer
    let made = Atomic<Int>(0)

    init() throws { server = try AcceptingHTTPServer(status: .ok, path: "/v1/traces", contentType: "application/x-protobuf", countsOTLPSpans: true) }

    /// Pauses while too many spans are on their way (made, counted in `made` before this
    /// call, and not yet received): checked at every span, so that neither queue (2048
    /// spans) ever holds more than it takes.
    func pace() {
        let made = made.load(ordering: .relaxed)
        while made - server.spanCount >= window { sched_yield() }
    }

    /// Waits up to `seconds` for the sink to receive every span made, then prints the counts.
    func finish(_ name: String, seconds: Int, extra: String = "") async {
        let made = made.load(ordering: .relaxed)
        for _ in 0..<(seconds * 10) where server.spanCount < made { try? await Task.sleep(for: .milliseconds(100)) }
        print("\(name): made \(made), received by the sink \(server.spanCount) in \(server.requestCount) requests\(extra)")
    }
}

let sink = Mutex<SinkState?>(nil)
let dapperReporter = Mutex<BatchingReporter<OTLPExporter>?>(nil)

func makeSink() throws -> SinkState {
    let state = try SinkState()
    sink.withLock { $0 = state }
    return state
}

/// swift-otel's tracer exporting over OTLP/HTTP (protobuf) to `endpoint`, its service
/// running for the life of the benchmark process.
func makeOTelOTLPTracer(endpoint: String) throws -> any Tracing.Tracer {
    var configuration = OTel.Configuration.default
    configuration.serviceName = "user-service"
    configuration.resourceAttributes = ["deployment.environment": "bench"]
    configuration.traces.sampler = .alwaysOn
    configuration.traces.exporter = .otlp
    configuration.traces.otlpExporter.protocol = .httpProtobuf
    configuration.traces.otlpExporter.endpoint = endpoint
    configuration.metrics.enabled = false
    configuration.logs.enabled = false
    let backend = try OTel.makeTracingBackend(configuration: configuration)
    let service = backend.service
    Task { try await service.run() }
    return backend.factory
}

func registerOTLPComparison(_ loop: Benchmark.Configuration) {
    var throughput = loop
    throughput.metrics = [.wallClock, .throughput, .mallocCountTotal]
    throughput.maxIterations = 300

    // The same benchmark as DapperBenchmarks' (a finished typical span reported into the
    // exporter's pipeline, paced on its queue), here so that it runs beside swift-otel's.
    let span = typicalSpan()
    Benchmark("otlp-exporter-throughput", configuration: throughput) { (benchmark: Benchmark, pipeline: OTLPPipeline) in
        benchmark.startMeasurement()
        pipeline.reportSteadily(span, count: benchmark.scaledIterations.count)
        benchmark.stopMeasurement()
    } setup: {
        let pipeline = try OTLPPipeline()
        runningPipeline.withLock { $0 = pipeline }
        return pipeline
    } teardown: {
        if let pipeline = runningPipeline.withLock({ $0 }) { await pipeline.stop() }
    }

    // Dapper's tracer makes the typical span into BatchingReporter(exporter: OTLPExporter(…)).
    Benchmark("dapper-otlp-span-throughput", configuration: throughput) { (benchmark: Benchmark, tracer: DapperTracer) in
        guard let state = sink.withLock({ $0 }) else { return }
        benchmark.startMeasurement()
        for index in benchmark.scaledIterations {
            let server = tracer.continueTrace(
                SpanContext(traceID: 0x7b2a_1c3d_4e5f_6071, spanID: UInt64(index) | 1 << 40, flags: .sampled))
            server.setTitle("/api/user/info")
            server.setTag("http.method", "GET")
            server.setTag("http.status_code", 200)
            server.setTag("peer.service", "gateway")
            server.setTag("retry", false)
            server.setLog(SpanLogFields(SpanLogField(key: "event", value: "error"), SpanLogField(key: "message", value: "connection refused")))
            server.finish()
            state.made.add(1, ordering: .relaxed)
            state.pace()
        }
        benchmark.stopMeasurement()
    } setup: {
        let state = try makeSink()
        var configuration = OTLPExporterConfiguration()
        configuration.endpoint = state.server.endpoint
        configuration.serviceName = "user-service"
        configuration.resourceAttributes = [("deployment.environment", "bench")]
        let reporter = try BatchingReporter(
            exporter: OTLPExporter(configuration: configuration),
            configuration: OTLPExporter.batchingConfiguration(for: configuration))
        dapperReporter.withLock { $0 = reporter }
        return DapperTracer(serviceName: "user-service", reporter: reporter, sampler: .always, defaultTags: benchmarkDefaultTags)
    } teardown: {
        guard let state = sink.withLock({ $0 }), let reporter = dapperReporter.withLock({ $0 }) else { return }
        _ = await reporter.close(timeout: .seconds(10))
        let statistics = reporter.statistics
        await state.finish(
            "dapper-otlp-span-throughput", seconds: 1,
            extra: "; reporter: reported \(statistics.reported), delivered \(statistics.delivered), dropped \(statistics.totalDropped)")
        state.server.stop()
    }

    // swift-otel 1.6.0's tracer makes the same span into its batch span processor and
    // OTLP/HTTP exporter (protobuf).
    Benchmark("otel-otlp-span-throughput", configuration: throughput) { (benchmark: Benchmark, tracer: any Tracing.Tracer) in
        guard let state = sink.withLock({ $0 }) else { return }
        benchmark.startMeasurement()
        for _ in benchmark.scaledIterations {
            otelTypicalSpan(tracer)
            state.made.add(1, ordering: .relaxed)
            state.pace()
        }
        benchmark.stopMeasurement()
    } setup: {
        let state = try makeSink()
        return try makeOTelOTLPTracer(endpoint: state.server.endpoint)
    } teardown: {
        guard let state = sink.withLock({ $0 }) else { return }
        // What is still queued leaves on swift-otel's 5 s timer, 512 spans a time.
        await state.finish("otel-otlp-span-throughput", seconds: 25)
        state.server.stop()
    }
}

/// The typical span through swift-distributed-tracing's API, generic so that it is
/// specialised for the tracer as a service's code would be.
@inline(never)
func otelTypicalSpan<T: Tracing.Tracer>(_ tracer: T) {
    let span = tracer.startSpan("/api/user/info", ofKind: .server)
    span.attributes["region"] = "region01"
    span.attributes["zone"] = "zone01"
    span.attributes["hostname"] = "bench-host-01"
    span.attributes["ip"] = "10.0.0.1"
    span.attributes["http.method"] = "GET"
    span.attributes["http.status_code"] = 200
    span.attributes["peer.service"] = "gateway"
    span.attributes["retry"] = false
    span.addEvent(SpanEvent(name: "error", attributes: ["message": "connection refused"]))
    span.end()
}

/// The Dapper OTLP pipeline of `otlp-exporter-throughput`, for its teardown.
let runningPipeline = Mutex<OTLPPipeline?>(nil)
