import BenchmarkWorkloads
import CBenchReader
import Dapper
import DapperAgent

#if canImport(Glibc)
import Glibc
#endif

/// A tracer reporting to an `AgentReporter`, and a unixgram reader on a temporary socket
/// that receives in batches and counts (it keeps up: it does no decoding).
/// `@unchecked Sendable`: its stored properties are immutable after `init`.
final class AgentPipeline: @unchecked Sendable {
    let tracer: DapperTracer
    let reporter: AgentReporter
    private let path: String
    private let descriptor: Int32

    init() throws {
        let path = "/tmp/dapper-bench-\(getpid()).sock"
        self.path = path
        unlink(path)
        let descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        self.descriptor = descriptor
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8) + [0]) }
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        precondition(status == 0, "bind \(path) failed")
        var size: Int32 = 8 << 20
        setsockopt(descriptor, SOL_SOCKET, SO_RCVBUFFORCE, &size, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        reporter = try AgentReporter(dsn: AgentDSN(network: .unixgram, address: path))
        tracer = DapperTracer(
            serviceName: "user-service", reporter: reporter, sampler: .always, defaultTags: benchmarkDefaultTags)
        precondition(bench_reader_start(descriptor) == 0, "cannot start the reader thread")
    }

    /// Waits until every span reported so far is delivered or dropped, then stops the reader.
    func stop() {
        while true {
            let statistics = reporter.statistics
            if statistics.delivered + statistics.totalDropped >= statistics.reported { break }
            usleep(1_000)
        }
        let statistics = reporter.statistics
        let received = bench_reader_count()
        // The reader may still be receiving the last datagrams.
        for _ in 0..<1000 where bench_reader_count() < statistics.delivered { usleep(1_000) }
        print("agent-unixgram: reported \(statistics.reported), delivered \(statistics.delivered), "
            + "dropped \(statistics.totalDropped), received by the reader \(max(received, bench_reader_count()))")
        bench_reader_stop()
        close(descriptor)
        unlink(path)
    }
}
