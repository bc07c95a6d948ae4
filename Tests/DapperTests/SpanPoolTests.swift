@testable import Dapper
import DapperTesting
import Testing

/// The span pool: storages are recycled, a recycled storage starts clean, the pool can be
/// turned off, and it stays bounded.
@Suite struct SpanPoolTests {
    // Each test lets go of its finished handles (`do` scopes) before it starts the span that
    // should reuse their storage, and watches the storage through a weak reference: the pool
    // does not reuse a storage that a handle (or any strong reference) still holds.

    @Test func aFinishedSpansStorageIsReusedByTheNextSpanOnTheSameThread() throws {
        let (tracer, _) = makeTracer()
        weak var storage: SpanStorage?
        var firstGeneration: UInt64 = 0
        do {
            let first = tracer.new("A")
            storage = first.storage
            firstGeneration = first.generation
            first.finish()
        }
        let second = tracer.new("B")
        #expect(storage != nil && second.storage === storage)
        #expect(second.generation != firstGeneration)
        second.finish()
    }

    @Test func aFinishedSpansStorageIsNotReusedWhileItsHandleExists() throws {
        let (tracer, reporter) = makeTracer()
        let first = tracer.new("A")
        first.finish()
        let second = tracer.new("B")
        #expect(second.storage !== first.storage)
        #expect(first.contextEvenIfFinished == reporter.spans.first?.context)
        second.finish()
    }

    @Test func unsampledSpansAreRecycledToo() throws {
        let (tracer, _) = makeTracer(sampler: NeverSampler())
        weak var storage: SpanStorage?
        do {
            let first = tracer.new("A")
            storage = first.storage
            first.finish()
        }
        let second = tracer.new("B")
        #expect(storage != nil && second.storage === storage)
        second.finish()
    }

    @Test func childrenReuseStorageLikeRoots() throws {
        let (tracer, _) = makeTracer()
        let root = tracer.new("root")
        weak var storage: SpanStorage?
        do {
            let child = root.fork("", "child")
            storage = child.storage
            child.finish()
        }
        let next = root.follow("", "next")
        #expect(storage != nil && next.storage === storage)
        next.finish()
        root.finish()
    }

    @Test func storageIsSharedAcrossTracersOfTheProcess() throws {
        let (one, _) = makeTracer()
        let (other, otherReporter) = makeTracer(serviceName: "other", defaultTags: [])
        weak var storage: SpanStorage?
        do {
            let first = one.new("A")
            storage = first.storage
            first.finish()
        }
        let second = other.new("B")
        #expect(storage != nil && second.storage === storage)
        second.finish()
        #expect(otherReporter.spans.map(\.serviceName) == ["other"])
        #expect(Array(otherReporter.spans[0].tags) == sharedTags("server", defaultTags: []))
    }

    /// Everything the previous span recorded is gone: tags, logs, references, title, the
    /// children count and the recording decision.
    @Test func aReusedStorageStartsClean() throws {
        let (tracer, reporter) = makeTracer()
        weak var storage: SpanStorage?
        do {
            let first = tracer.new("A", debug: true)
            for index in 0..<40 { first.setTag("tag\(index)", index) }  // beyond the retained capacity
            for index in 0..<3 { first.setLog("log", "\(index)") }
            first.addReference(SpanReference(kind: .childOf, traceID: 1, spanID: 2))
            for _ in 0..<1025 { first.fork("", "child").finish() }
            #expect(first.fork("", "refused").isNoop)
            storage = first.storage
            first.finish(error: TestError("first"))
        }
        reporter.clear()

        let second = tracer.new("B")
        #expect(storage != nil && second.storage === storage)
        #expect(!second.fork("", "allowed").isNoop)
        second.finish()
        let reported = try #require(reporter.spans.last)
        #expect(reported.operationName == "B")
        #expect(Array(reported.tags) == sharedTags("server"))
        #expect(reported.logs.isEmpty)
        #expect(reported.references.isEmpty)
        #expect(reported.context.flags.rawValue == 0x01)
    }

    @Test func aReusedStorageOfARecordingSpanDoesNotRecordWhenUnsampled() throws {
        let recording = makeTracer(sampler: AlwaysSampler())
        let silent = makeTracer(sampler: NeverSampler())
        weak var storage: SpanStorage?
        do {
            let first = recording.tracer.new("A")
            first.setTag("a", 1 as Int)
            storage = first.storage
            first.finish()
        }
        let second = silent.tracer.new("B")
        let reused = try #require(storage)
        #expect(second.storage === reused)
        second.setTag("b", 2 as Int)
        reused.lock()
        let isClean = reused.records.pointee.tags.isEmpty && !reused.state.pointee.isRecording
        reused.unlock()
        #expect(isClean)
        second.finish()
        #expect(silent.reporter.spans.isEmpty)
    }

    @Test func aReporterThatKeepsSpansKeepsThemIntactAfterReuse() {
        let (tracer, reporter) = makeTracer()
        for index in 0..<100 {
            let span = tracer.new("op-\(index)")
            span.setTag("index", index)
            span.setLog("index", "\(index)")
            span.finish()
        }
        let spans = reporter.spans
        #expect(spans.count == 100)
        for (index, span) in spans.enumerated() {
            #expect(span.operationName == "op-\(index)")
            #expect(Array(span.tags) == sharedTags("server") + [SpanTag(key: "index", value: .int(Int64(index)))])
            #expect(logFields(span) == [["index=\(index)"]])
        }
    }

    // MARK: Without the pool

    @Test func withoutThePoolEverySpanHasItsOwnStorage() throws {
        let (tracer, _) = makeTracer(usesSpanPool: false)
        let first = tracer.new("A")
        let storage = try #require(first.storage)
        first.finish()
        let second = tracer.new("B")
        #expect(second.storage !== storage)
        second.finish()
    }

    /// The same scenario, pool on and pool off, reports the same spans.
    @Test func withoutThePoolTheTracerBehavesIdentically() {
        func scenario(usesSpanPool: Bool) -> [String] {
            let (tracer, reporter) = makeTracer(usesSpanPool: usesSpanPool)
            let root = tracer.new("root", debug: true)
            root.setTag("http.method", "GET")
            let child = root.fork("", "redis.get")
            child.setLog("event", "sent")
            child.finish(error: TestError("timeout"))
            child.setTag("stale", true)
            child.finish()
            let producer = root.follow("", "kafka.send")
            producer.finish()
            for _ in 0..<1030 { root.fork("", "many").finish() }
            for index in 0..<130 { root.setTag("t\(index)", index) }
            root.finish()
            root.finish()
            let rootContext = reporter.spans.last?.context
            return reporter.spans.map { span in
                let parent = span.context.parentID == 0 ? "root" : span.context.parentID == rootContext?.spanID ? "child" : "?"
                let tags = span.tags.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
                let logs = logFields(span).map { $0.joined(separator: "&") }.joined(separator: ";")
                return "\(span.operationName)|\(parent)|\(span.context.flags.rawValue)|\(span.context.level)|\(tags)|\(logs)"
            }
        }
        let pooled = scenario(usesSpanPool: true)
        let unpooled = scenario(usesSpanPool: false)
        #expect(pooled.count == 1 + 1 + 1023 + 1)  // redis.get, kafka.send, 1023 more children, root
        #expect(pooled == unpooled)
    }

    @Test func withoutThePoolAStaleHandleIsStillANoOp() {
        let (tracer, reporter) = makeTracer(usesSpanPool: false)
        let span = tracer.new("A")
        span.finish()
        span.setTag("late", true)
        span.finish()
        #expect(span.context == nil)
        #expect(span.fork("", "late").isNoop)
        #expect(reporter.spans.count == 1)
        #expect(reporter.spans[0].tag("late") == nil)
    }

    // MARK: Bounds

    @Test func theDepotStaysBoundedAfterABurstOfOpenSpans() async {
        let (tracer, reporter) = makeTracer(sampler: NeverSampler())
        // 10 000 spans open at once, started and finished on several threads.
        let spans = await withTaskGroup(of: [DapperSpan].self) { group in
            for _ in 0..<8 {
                group.addTask { (0..<1250).map { _ in tracer.new("burst") } }
            }
            var all: [DapperSpan] = []
            for await part in group { all += part }
            return all
        }
        #expect(spans.count == 10_000)
        #expect(Set(spans.compactMap { $0.storage.map(ObjectIdentifier.init) }).count == 10_000)
        await withTaskGroup(of: Void.self) { group in
            for part in 0..<8 {
                group.addTask {
                    for index in stride(from: part, to: spans.count, by: 8) { spans[index].finish() }
                }
            }
        }
        #expect(SpanPool.shared.depotCount <= SpanPool.depotCapacity)
        #expect(reporter.spans.isEmpty)
        // The pool still works afterwards.
        let (sampled, sampledReporter) = makeTracer()
        sampled.new("after").finish()
        #expect(sampledReporter.spans.map(\.operationName) == ["after"])
    }

    @Test func poolCapacitiesAreSmall() {
        #expect(SpanPool.magazineCapacity > 0 && SpanPool.magazineCapacity <= 256)
        #expect(SpanPool.depotCapacity >= SpanPool.magazineCapacity)
        #expect(SpanPool.depotCapacity <= 4096)
    }

    @Test func spansFinishedOnAnotherThreadAreReported() async {
        let (tracer, reporter) = makeTracer()
        let spans = (0..<200).map { tracer.new("moved-\($0)") }
        await Task.detached {
            for span in spans { span.finish() }
        }.value
        #expect(reporter.spans.count == 200)
        #expect(Set(reporter.spans.map(\.operationName)).count == 200)
    }
}
