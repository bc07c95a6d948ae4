import Dapper
import DapperAgent
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A tracer reporting to an `AgentReporter`, and a unixgram reader on a temporary socket
/// that receives in batches and counts (it keeps up: it does no decoding).
final class AgentPipeline: Sendable {
    let tracer: DapperTracer
    let reporter: AgentReporter
    let received = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let finished = Atomic<Bool>(false)
    private let path: String
    private let descriptor: Int32

    init() {
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
        reporter = AgentReporter(dsn: AgentDSN(network: .unixgram, address: path))
        tracer = DapperTracer(
            serviceName: "user-service", reporter: reporter, sampler: .always, defaultTags: benchmarkDefaultTags)
        let thread = Thread { [self] in
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: 64 * 1024, alignment: 16)
            defer { buffer.deallocate() }
            while !stopping.load(ordering: .relaxed) {
                if recv(descriptor, buffer, 64 * 1024, 0) > 0 { received.add(1, ordering: .relaxed) }
            }
            finished.store(true, ordering: .releasing)
        }
        thread.start()
    }

    func stop() {
        stopping.store(true, ordering: .relaxed)
        while !finished.load(ordering: .acquiring) { usleep(1000) }
        close(descriptor)
        unlink(path)
    }
}
