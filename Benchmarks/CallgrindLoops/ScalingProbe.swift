// A quick wall-clock look at how new/fork/finish scales from one thread to two (the
// `parallel-new-fork-finish` benchmarks' body), beside a loop that shares no memory at all
// (what the host itself gives a second thread), for comparing changes in seconds; the figures
// to report come from DapperBenchmarks. `CallgrindLoops scaling <iterations per thread>`.

import BenchmarkWorkloads
@_spi(Benchmarks) import Dapper
import Dispatch

/// The best of `rounds` runs of `body(iterations)` on each of `threads` threads at once, in
/// millions of iterations per second over all threads.
private func throughput(threads: Int, iterations: Int, rounds: Int, _ body: @Sendable (Int) -> Void) -> Double {
    var best = 0.0
    for _ in 0..<rounds {
        let start = seconds()
        DispatchQueue.concurrentPerform(iterations: threads) { _ in body(iterations) }
        best = max(best, Double(threads * iterations) / (seconds() - start) / 1e6)
    }
    return best
}

func probeScaling(iterations: Int, rounds: Int = 7) {
    // A service name and default tags made at run time, as from the environment: unlike
    // literals, their strings have reference counts.
    let tracer = DapperTracer(
        serviceName: String(repeating: "s", count: 20), reporter: DiscardingReporter(), sampler: AlwaysSampler(),
        defaultTags: benchmarkDefaultTags.map { SpanTag(key: $0.key, value: .string(String(repeating: "v", count: 20))) },
        usesSpanPool: true)
    let spans: @Sendable (Int) -> Void = { iterations in
        for _ in 0..<iterations {
            let root = tracer.new("parallel")
            let child = root.fork("", "child")
            child.finish()
            root.finish()
        }
    }
    let registersOnly: @Sendable (Int) -> Void = { iterations in
        var x: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0..<(iterations * 100) { x = (x ^ (x >> 31)) &* 0xBF58_476D_1CE4_E5B9 }
        if x == 42 { print(x) }
    }
    for (name, body) in [("new/fork/finish", spans), ("no shared memory (x100)", registersOnly)] {
        let one = throughput(threads: 1, iterations: iterations, rounds: rounds, body)
        let two = throughput(threads: 2, iterations: iterations, rounds: rounds, body)
        print("\(name): 1 thread \(one) M it/s, 2 threads \(two) M it/s, \(two / one)x")
    }
}
