import Dapper
import DapperTracing
import Tracing

/// The process-wide tracer: bootstrapped once, whatever the number of runs (the tests run
/// the demo more than once in one process). Each service's spans go through its own
/// `DapperTracer`, selected at its entry; the bootstrapped one only carries propagation.
enum DemoTracing {
    private static let bootstrapped: Void = {
        let fallback = DapperTracer(serviceName: "dapper-demo", reporter: DiscardingReporter(), sampler: .always, defaultTags: [])
        InstrumentationSystem.bootstrap(DapperDistributedTracer(fallback, propagation: [.kratos, .b3Multi, .traceparent]))
    }()

    static func bootstrap() { _ = bootstrapped }
}
