import Dapper
import Foundation
import DapperTesting
import DapperTracing
import Instrumentation
import Tracing

/// A bridge over a tracer that samples everything (or nothing) and keeps its spans in memory.
func makeBridge(
    sampler: any Sampler = AlwaysSampler(), propagation: PropagationFormats = .kratos, service: String = "svc"
) -> (DapperDistributedTracer, InMemoryReporter) {
    let reporter = InMemoryReporter()
    let tracer = DapperTracer(serviceName: service, reporter: reporter, sampler: sampler, defaultTags: [])
    return (DapperDistributedTracer(tracer, propagation: propagation), reporter)
}

struct DictionaryInjector: Injector {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) { carrier[key] = value }
}

/// Header lookup as HTTP does it: names are case-insensitive.
struct DictionaryExtractor: Extractor {
    func extract(key: String, from carrier: [String: String]) -> String? {
        carrier.first { $0.key.lowercased() == key.lowercased() }?.value
    }
}

extension DapperDistributedTracer {
    func headers(for context: ServiceContext) -> [String: String] {
        var headers: [String: String] = [:]
        inject(context, into: &headers, using: DictionaryInjector())
        return headers
    }

    func context(from headers: [String: String]) -> ServiceContext {
        var context = ServiceContext.topLevel
        extract(headers, into: &context, using: DictionaryExtractor())
        return context
    }
}

extension FinishedSpan {
    func tag(_ key: String) -> SpanTagValue? { tags.last { $0.key == key }?.value }
    func tagCount(_ key: String) -> Int { tags.filter { $0.key == key }.count }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String { "the order service refused" }
}

/// A sampler that answers the same every time and counts how often it was asked.
final class CountingSampler: Sampler, @unchecked Sendable {
    // Safe to share: `count` is only touched under `lock`.
    private let lock = NSLock()
    private var count = 0
    private let sampled: Bool

    init(sampled: Bool) { self.sampled = sampled }

    var calls: Int { lock.withLock { count } }

    func decide(traceID: UInt64, operationName: String) -> SamplingDecision {
        lock.withLock { count += 1 }
        return sampled ? SamplingDecision(isSampled: true, probability: 1) : .notSampled
    }
}
