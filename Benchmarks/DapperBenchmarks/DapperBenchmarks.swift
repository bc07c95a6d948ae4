// The Dapper benchmark suite: the Go original's benchmarks and a few of our own.
//
//     cd Benchmarks && swift package benchmark --target DapperBenchmarks --time-units nanoseconds
//
// Every benchmark runs `scalingFactor` inner iterations (1000; a million for the parallel
// ones) per measured outer iteration, so the figures the tool marks with `*` (wall clock,
// mallocs) are per inner iteration: nanoseconds and allocations per loop body. The parallel
// benchmarks also report throughput, in millions (`M`) of inner iterations per second. See
// BENCHMARKS.md for the figures and the comparison with Go.

import Benchmark
import BenchmarkSinks
import BenchmarkWorkloads
import CBenchReader
import Dapper
import DapperAgent
import DapperCollector
import DapperWire
import DapperZipkin
@_spi(Benchmarks) import DapperZipkinWire  // ZipkinTagPrefixCache, as the Zipkin reporter encodes
import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The Go benchmark finished the second span with `fmt.Errorf("test error")`. Defined here,
/// not in BenchmarkWorkloads: see there.
struct TestError: Error, CustomStringConvertible {
    let description = "test error"
}

/// A context whose three identifiers have all 16 hex digits (the longest text form).
let fullContext = SpanContext(
    traceID: 0xfedc_ba98_7654_3210,
    spanID: 0x8123_4567_89ab_cdef,
    parentID: 0xa1b2_c3d4_e5f6_0718,
    flags: .sampled
)

let benchmarks: @Sendable () -> Void = {
    // Short runs: the whole suite (six benchmarks, each in its own process) takes well under
    // two minutes on 2 cores. Each run stops at whichever of the two limits comes first.
    let loop = Benchmark.Configuration(
        metrics: [.wallClock, .mallocCountTotal],
        warmupIterations: 10,
        scalingFactor: .kilo,
        maxDuration: .seconds(3),
        maxIterations: 2_000
    )
    // A million inner iterations per outer one, split over the threads: waking the threads
    // for each outer iteration (tens of microseconds on this VM) then costs nothing measurable,
    // as in Go's `RunParallel`, where the goroutines run the whole count without a pause; with
    // a thousand it took a tenth or more of each sample.
    var parallel = loop
    parallel.metrics = [.wallClock, .throughput, .mallocCountTotal]
    parallel.scalingFactor = .mega
    parallel.maxIterations = 30
    parallel.warmupIterations = 1

    // Built once, outside the measured closures (which run once per outer iteration).
    let sampledTracer = makeTracer(sampler: .always)
    let unpooledTracer = makeTracer(sampler: .always, usesSpanPool: false)
    let unsampledTracer = makeTracer(sampler: .never)
    let testError = TestError()

    // Go `BenchmarkSample` (discarding reporter): 1 150 ns, 15 allocations per iteration.
    Benchmark("legacy-sample-loop", configuration: loop) { benchmark in
        let tracer = sampledTracer
        for _ in benchmark.scaledIterations {
            blackHole(legacySample(tracer, testError))
        }
    }

    // The same loop without the span pool: every span allocates its storage anew.
    Benchmark("pool-off", configuration: loop) { benchmark in
        let tracer = unpooledTracer
        for _ in benchmark.scaledIterations {
            blackHole(legacySample(tracer, testError))
        }
    }

    registerBridgeBenchmarks(loop, testError)

    // Go (sampler says no): 595 ns, 7 allocations per iteration.
    Benchmark("unsampled-loop", configuration: loop) { benchmark in
        let tracer = unsampledTracer
        for _ in benchmark.scaledIterations {
            blackHole(unsampledSample(tracer))
        }
    }

    // New + fork + finish + finish (sampled, discarding reporter) on 1, 2 and 4 threads at
    // once (on this 2-core machine, 4 threads oversubscribe), and on 2 threads without the
    // span pool. The threads are started once (ParallelRunner) and run together in each outer
    // iteration; each runs 1/N of the inner iterations.
    //
    // How to read them: one outer iteration is `scalingFactor` (a million) inner iterations in
    // all, so
    // - `Throughput (# / s) (M)` is millions of new+fork+finish+finish per second, all threads
    //   together (Go: 1.45 M/s on 2 cores);
    // - `Time (wall clock) (ns) *` is the wall-clock time per inner iteration, all threads
    //   together: the inverse of the throughput.
    // Scaling is the throughput at N threads over the throughput at 1.
    for (name, threads, tracer) in [
        ("parallel-new-fork-finish-1-thread", 1, sampledTracer),
        ("parallel-new-fork-finish", 2, sampledTracer),
        ("parallel-new-fork-finish-4-threads", 4, sampledTracer),
        ("parallel-pool-off", 2, unpooledTracer),
    ] {
        Benchmark(name, configuration: parallel) { (benchmark: Benchmark, runner: ParallelRunner) in
            runner.run(iterationsPerThread: benchmark.scaledIterations.count / threads) { iterations in
                for _ in 0..<iterations {
                    let root = tracer.new("parallel")
                    let child = root.fork("", "child")
                    child.finish()
                    root.finish()
                    blackHole(child)
                }
            }
        } setup: {
            let runner = ParallelRunner(threads: threads)
            runningRunners.withLock { $0[name] = runner }
            return runner
        } teardown: {
            runningRunners.withLock { $0.removeValue(forKey: name)?.stop() }
        }
    }

    // Go `SpanContext.String()`: 150 ns, 4 allocations. The span ID changes every iteration
    // (keeping 16 digits) so that the text cannot be computed once for the whole loop.
    Benchmark("context-format", configuration: loop) { benchmark in
        var context = identity(fullContext)
        let spanIDBase = context.spanID
        for index in benchmark.scaledIterations {
            context.spanID = spanIDBase ^ UInt64(truncatingIfNeeded: index)
            blackHole(context.description)
        }
    }

    // The same text written on the stack (`withText`), without the String: what injecting into
    // a carrier that stores bytes costs. The Go original has no counterpart.
    Benchmark("context-format-into", configuration: loop) { benchmark in
        var context = identity(fullContext)
        let spanIDBase = context.spanID
        for index in benchmark.scaledIterations {
            context.spanID = spanIDBase ^ UInt64(truncatingIfNeeded: index)
            blackHole(context.withText { $0[20] })
        }
    }

    // Go `contextFromString`: 150 ns, 2 allocations.
    let fullContextText = identity(fullContext.description)
    precondition(fullContextText.utf8.count == 16 * 3 + 1 + 3, "expected full 16-digit IDs: \(fullContextText)")
    Benchmark("context-parse", configuration: loop) { benchmark in
        let text = fullContextText
        for _ in benchmark.scaledIterations {
            blackHole(try! SpanContext(parsing: text))
        }
    }

    // The typical span of the wire benchmarks, as a tracer makes it: a server span with the
    // 4 default tags and span.kind (the tracer's shared prefix), 4 tags of its own, and one
    // log with 2 fields.
    let span = typicalSpan()
    let encoder = SpanEncoder()
    let encoded = try! encoder.encode(span)

    // Go `proto.Marshal` of the same span: 1 700 ns, 23 allocations.
    Benchmark("encode-span", configuration: loop) { benchmark in
        let encoder = encoder
        let span = span
        for _ in benchmark.scaledIterations {
            blackHole(try! encoder.withEncodedBytes(of: span) { bytes, _ in bytes.count })
        }
    }

    // The same span with every tag its own (no shared prefix to reuse): the cost for spans
    // built by hand or decoded from the wire.
    let flatSpan = { var flat = span; flat.tags = SpanTags(Array(span.tags)); return flat }()
    Benchmark("encode-span-flat", configuration: loop) { benchmark in
        let encoder = encoder
        let span = flatSpan
        for _ in benchmark.scaledIterations {
            blackHole(try! encoder.withEncodedBytes(of: span) { bytes, _ in bytes.count })
        }
    }

    let decoder = SpanDecoder()
    Benchmark("decode-span", configuration: loop) { benchmark in
        let decoder = decoder
        for _ in benchmark.scaledIterations {
            encoded.withUnsafeBytes { blackHole(try! decoder.decode($0)) }
        }
    }

    // Spans finished by a tracer into the agent reporter and read by a unixgram reader on
    // this machine (recvmmsg, counting). Steady state: the benchmark thread finishes spans as
    // fast as it can but, like a service whose requests arrive no faster than they are
    // served, it pauses while the reporter's queue is over half full, so nothing is dropped
    // as long as the writer and the reader keep up. Throughput (K) is thousands of spans per
    // second through the whole pipeline (the queue holds at most 4096 of the 1000 × N spans
    // of a run); "Spans lost" counts drops per 1000 spans.
    // Go original: 137 000 spans/s on one core, 260 000/s on two, 0.1–0.7 % lost.
    var agent = loop
    agent.metrics = [.wallClock, .throughput, .custom("Spans lost", polarity: .prefersSmaller, useScalingFactor: false)]
    agent.maxIterations = 500
    Benchmark("agent-unixgram", configuration: agent) { (benchmark: Benchmark, pipeline: AgentPipeline) in
        let tracer = pipeline.tracer
        let reporter = pipeline.reporter
        let highWater = reporter.configuration.queueCapacity / 2
        let before = reporter.statistics
        benchmark.startMeasurement()
        for index in benchmark.scaledIterations {
            let server = tracer.new("/api/user/info")
            server.setTag("http.method", "GET")
            server.setTag("http.status_code", 200)
            server.setTag("peer.service", "gateway")
            server.setTag("retry", index & 1 == 0)
            server.finish()
            if index & 63 == 0 {
                while reporter.queuedCount > highWater { sched_yield() }
            }
        }
        benchmark.stopMeasurement()
        let after = reporter.statistics
        benchmark.measurement(.custom("Spans lost"), after.totalDropped - before.totalDropped)
    } setup: {
        let pipeline = try AgentPipeline()
        runningPipeline.withLock { $0 = pipeline }
        return pipeline
    } teardown: {
        runningPipeline.withLock { $0?.stop() }
    }

    // Zipkin encodings of a batch of 100 typical spans. Each inner iteration is one span:
    // the loop encodes scaledIterations / 100 batches, so the `*` rows are per span.
    let batch = [FinishedSpan](repeating: span, count: 100)
    Benchmark("zipkin-json-encode", configuration: loop) { benchmark in
        var buffer: [UInt8] = []
        buffer.reserveCapacity(256 * 1024)
        let encoder = ZipkinJSONEncoder()
        let prefixCache = ZipkinTagPrefixCache()  // as the reporter's sending thread uses it
        for _ in 0..<(benchmark.scaledIterations.count / 100) {
            buffer.removeAll(keepingCapacity: true)
            encoder.appendList(batch, to: &buffer, prefixCache: prefixCache)
            blackHole(buffer.count)
        }
    }

    let zipkinProtoEncoder = ZipkinProtoEncoder()
    Benchmark("zipkin-proto-encode", configuration: loop) { benchmark in
        let encoder = zipkinProtoEncoder
        for _ in 0..<(benchmark.scaledIterations.count / 100) {
            blackHole(encoder.withEncodedList(batch) { $0.count })
        }
    }

    // Spans reported into a ZipkinReporter (JSON, 100 per request) posting to a local HTTP
    // server that accepts everything; steady state as for agent-unixgram: the benchmark
    // thread pauses while the queue is over half full. Throughput (K) is thousands of spans
    // per second through the reporter; "Spans lost" counts drops per 1000.
    var zipkin = agent
    zipkin.maxIterations = 300
    Benchmark("zipkin-reporter-throughput", configuration: zipkin) { (benchmark: Benchmark, pipeline: ZipkinPipeline) in
        let reporter = pipeline.reporter
        let highWater = reporter.configuration.queueCapacity / 2
        let before = reporter.statistics
        benchmark.startMeasurement()
        for index in benchmark.scaledIterations {
            reporter.report(span)
            if index & 63 == 0 {
                while reporter.queuedCount > highWater { sched_yield() }
            }
        }
        benchmark.stopMeasurement()
        let after = reporter.statistics
        benchmark.measurement(.custom("Spans lost"), after.totalDropped - before.totalDropped)
    } setup: {
        let pipeline = try ZipkinPipeline()
        runningZipkin.withLock { $0 = pipeline }
        return pipeline
    } teardown: {
        if let pipeline = runningZipkin.withLock({ $0 }) { await pipeline.stop() }
    }

    registerOTLPBenchmarks(loop, zipkin, typicalSpan: span)
}

/// The agent benchmark's pipeline, for its teardown (which gets no arguments).
let runningPipeline = Mutex<AgentPipeline?>(nil)
// The parallel benchmarks' threads, by benchmark name, for their teardown.
let runningRunners = Mutex<[String: ParallelRunner]>([:])

/// The Zipkin benchmark's reporter and server, for its teardown.
let runningZipkin = Mutex<ZipkinPipeline?>(nil)

/// A ZipkinReporter posting to an `AcceptingHTTPServer`.
final class ZipkinPipeline: Sendable {
    let server: AcceptingHTTPServer
    let reporter: ZipkinReporter

    init() throws {
        server = try AcceptingHTTPServer(status: .accepted, path: "/api/v2/spans")
        var configuration = ZipkinConfiguration()
        configuration.endpoint = server.endpoint
        reporter = try ZipkinReporter(configuration: configuration)
    }

    func stop() async {
        let result = await reporter.close(timeout: .seconds(10))
        let statistics = reporter.statistics
        print("zipkin-reporter-throughput: reported \(statistics.reported), delivered \(statistics.delivered), "
            + "dropped \(statistics.totalDropped), requests \(reporter.transport.messages), pending \(result.pending)")
        server.stop()
    }
}
