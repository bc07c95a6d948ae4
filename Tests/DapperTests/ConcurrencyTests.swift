@testable import Dapper
import DapperTesting
import Testing

/// Compatibility §4 (where we differ): a span is safe to use from several tasks at once, a finish races to exactly one
/// report, and a stale handle never reaches a recycled storage, while the pool recycles.
///
/// CI runs every suite under the thread sanitizer (`Scripts/test`); this one alone:
/// `swift test --sanitize=thread --filter Concurrency`.
@Suite struct ConcurrencyTests {
    static let tasks = 8
    static let iterations = 2000

    /// 8 tasks × 2000 iterations fork, tag, log and finish children of 32 shared parents, and tag,
    /// log and rename the parents themselves, all at once.
    @Test func sharedParentsForkTagLogAndFinishFromManyTasks() async throws {
        let (tracer, reporter) = makeTracer()
        let parentCount = 32
        let parents = (0..<parentCount).map { tracer.new("parent-\($0)") }
        let parentIDs = Dictionary(uniqueKeysWithValues: parents.enumerated().map { ($1.context!.spanID, $0) })
        let noopChildren = Counter()

        await withTaskGroup(of: Void.self) { group in
            for task in 0..<Self.tasks {
                group.addTask {
                    for iteration in 0..<Self.iterations {
                        let parent = parents[(task * Self.iterations + iteration) % parentCount]
                        let child = iteration.isMultiple(of: 3) ? parent.follow("", "child") : parent.fork("", "child")
                        if child.isNoop { noopChildren.increment() }
                        child.setTag("task", task)
                        child.setTag("iteration", iteration)
                        child.setLog("event", "work")
                        parent.setTag("from", task)
                        parent.setLog("child", "\(iteration)")
                        if iteration < 2 * parentCount { parent.setTitle("parent-renamed") }
                        _ = parent.context
                        child.finish()
                    }
                }
            }
        }
        for parent in parents { parent.finish() }

        let spans = reporter.spans
        let children = spans.filter { $0.operationName == "child" }
        let reportedParents = spans.filter { $0.operationName != "child" }
        #expect(noopChildren.value == 0)
        #expect(children.count == Self.tasks * Self.iterations)
        #expect(reportedParents.count == parentCount)
        #expect(spans.count == Self.tasks * Self.iterations + parentCount)
        #expect(reporter.statistics.reported == spans.count)

        // Each parent got exactly its share of children, each child exactly its own records.
        var perParent = [Int](repeating: 0, count: parentCount)
        var seen = Set<String>()
        var badChildren = 0
        for child in children {
            guard let index = parentIDs[child.context.parentID] else {
                badChildren += 1
                continue
            }
            perParent[index] += 1
            let own = child.tags.dropFirst(5)
            guard own.count == 2, case .int(let task)? = own.first?.value, case .int(let iteration)? = own.last?.value,
                child.logs.count == 1, child.context.level == 2
            else {
                badChildren += 1
                continue
            }
            seen.insert("\(task)/\(iteration)")
        }
        #expect(badChildren == 0)
        #expect(seen.count == Self.tasks * Self.iterations)
        #expect(perParent.allSatisfy { $0 == Self.tasks * Self.iterations / parentCount })

        // 500 tags and 500 logs each: both limits hit exactly once.
        for parent in reportedParents {
            #expect(parent.operationName == "parent-renamed")
            #expect(parent.tags.count == 129)
            #expect(parent.tags.last == SpanTag(key: "trace.error", value: .string("too many tags")))
            #expect(count("trace.error", in: parent) == 1)
            #expect(parent.logs.count == 257)
            #expect(logFields(parent).last == ["trace.error=too many logs"])
            #expect(logFields(parent).filter { $0 == ["trace.error=too many logs"] }.count == 1)
        }
    }

    /// The children limit holds under contention: exactly 1025 real children, whoever forks.
    @Test func childrenLimitHoldsUnderConcurrentForks() async {
        let (tracer, reporter) = makeTracer()
        let parent = tracer.new("parent")
        let real = Counter()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<Self.tasks {
                group.addTask {
                    for iteration in 0..<300 {
                        let child = iteration.isMultiple(of: 2) ? parent.fork("", "c") : parent.follow("", "f")
                        if !child.isNoop { real.increment() }
                        child.finish()
                    }
                }
            }
        }
        parent.finish()
        #expect(real.value == 1025)
        #expect(reporter.spans.count == 1026)
    }

    /// Eight tasks finish the same spans at once: each span is reported exactly once.
    @Test func concurrentFinishesOfTheSameSpanReportOnce() async {
        let (tracer, reporter) = makeTracer()
        let spans = (0..<1000).map { tracer.new("race-\($0)") }
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<Self.tasks {
                group.addTask {
                    for (index, span) in spans.enumerated() {
                        switch (task + index) % 3 {
                        case 0: span.finish()
                        case 1: span.finish(error: TestError("task \(task)"))
                        default: span.finish(error: nil, endTimeNanos: nil)
                        }
                    }
                }
            }
        }
        let reported = reporter.spans
        #expect(reported.count == 1000)
        #expect(Set(reported.map(\.operationName)).count == 1000)
        #expect(reported.allSatisfy { count("error", in: $0) <= 1 && $0.logs.count <= 1 })
        #expect(reported.allSatisfy { (count("error", in: $0) == 1) == ($0.logs.count == 1) })
    }

    /// A finish reads a span's records without its lock once it has marked the span finished:
    /// calls racing it, on the same handle, either land before the finish (and are reported) or
    /// find the span finished (and do nothing); none lands in a report after it was built.
    @Test func callsRacingAFinishLandBeforeItOrNotAtAll() async {
        let (tracer, reporter) = makeTracer()
        let spans = (0..<500).map { tracer.new("race-\($0)") }
        let finished = Counter()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for (index, span) in spans.enumerated() {
                    if index.isMultiple(of: 2) { span.finish(error: TestError("boom")) } else { span.finish() }
                    finished.increment()
                }
            }
            for task in 0..<(Self.tasks - 1) {
                group.addTask {
                    for span in spans {
                        for round in 0..<4 {
                            span.setTag("task", task)
                            span.setLog("round", "\(round)")
                            span.addReference(SpanReference(kind: .followsFrom, traceID: 1, spanID: UInt64(round + 1)))
                            span.setTitle("renamed")
                            _ = span.operationName
                            _ = span.contextEvenIfFinished
                            span.fork("", "child").finish()
                        }
                    }
                }
            }
        }
        #expect(finished.value == spans.count)
        let reported = reporter.spans.filter { $0.operationName != "child" }
        #expect(reported.count == spans.count)
        let prefix = testDefaultTags.count + 1  // and span.kind
        for span in reported {
            // Each task's calls that landed are a prefix of its sequence (tag, log, reference,
            // tag, …), whole: so over all tasks, tags ≥ logs ≥ references ≥ tags − (tasks − 1).
            let errors = count("error", in: span)
            let tags = span.tags.count - prefix - errors
            let logs = span.logs.count - errors
            #expect(tags >= logs && logs >= span.references.count && span.references.count >= tags - (Self.tasks - 1))
        }
        #expect(reporter.statistics.reported == reporter.spans.count)
        // A call that wrote into the records after the finish had emptied them would have left
        // something behind for the storage's next span.
        for span in spans {
            guard let storage = span.storage else { continue }
            storage.lock()
            let records = storage.records.pointee
            storage.unlock()
            #expect(records.tags.isEmpty && records.logs.isEmpty && records.references.isEmpty)
        }
    }

    /// While spans are started and finished on every thread (so storages are recycled all the
    /// time), other tasks hammer finished handles with every call. No live span may see any of it.
    @Test func staleHandlesNeverTouchRecycledStorageUnderConcurrency() async {
        let (tracer, reporter) = makeTracer()
        let stale = Knob<[DapperSpan]>([])
        let staleForks = Counter()
        let staleContexts = Counter()

        await withTaskGroup(of: Void.self) { group in
            for task in 0..<Self.tasks {
                group.addTask {
                    var previous: DapperSpan?
                    for iteration in 0..<Self.iterations {
                        if task.isMultiple(of: 2) {
                            // A live span, most often on the storage `previous` just gave back.
                            let span = tracer.new("live")
                            if let previous {
                                previous.setTag("stale", true)
                                previous.setLog("stale", "log")
                                previous.setTitle("stale")
                                previous.finish(error: TestError("stale"))
                                if !previous.fork("", "stale").isNoop { staleForks.increment() }
                            }
                            span.setTag("owner", "\(task)/\(iteration)")
                            span.setLog("owner", "\(task)/\(iteration)")
                            span.finish()
                            previous = span
                            if iteration.isMultiple(of: 16) { stale.update { $0.append(span) } }
                        } else {
                            // Finished handles of other threads, whose storages are in use elsewhere.
                            let handles = stale.update { $0.suffix(32) }
                            for handle in handles {
                                handle.setTag("stale", true)
                                handle.setLog("stale", "log")
                                handle.setTitle("stale")
                                handle.addReference(SpanReference(kind: .childOf, traceID: 1, spanID: 1))
                                if handle.context != nil { staleContexts.increment() }
                                if !handle.follow("", "stale").isNoop { staleForks.increment() }
                                handle.finish()
                            }
                            // And live spans of their own.
                            let span = tracer.new("live")
                            span.setTag("owner", "\(task)/\(iteration)")
                            span.setLog("owner", "\(task)/\(iteration)")
                            span.finish()
                        }
                    }
                }
            }
        }

        let spans = reporter.spans
        #expect(spans.count == Self.tasks * Self.iterations)
        #expect(staleForks.value == 0)
        #expect(staleContexts.value == 0)
        var corrupted = 0
        var owners = Set<String>()
        for span in spans {
            guard span.operationName == "live", span.tags.count == 6, span.logs.count == 1,
                case .string(let owner) = span.tags[5].value, span.tags[5].key == "owner",
                logFields(span) == [["owner=\(owner)"]], span.references.isEmpty
            else {
                corrupted += 1
                continue
            }
            owners.insert(owner)
        }
        #expect(corrupted == 0)
        #expect(owners.count == Self.tasks * Self.iterations)
    }

    /// A span used by many tasks at once: renames, tags and context reads.
    @Test func oneSpanIsSafeToUseFromManyTasks() async throws {
        let (tracer, reporter) = makeTracer(defaultTags: [])
        let span = tracer.new("shared")
        let context = try #require(span.context)
        let mismatches = Counter()
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<Self.tasks {
                group.addTask {
                    for iteration in 0..<500 {
                        span.setTitle("title-\(task)")
                        if iteration < 10 { span.setTag("t\(task)", iteration) }
                        if span.context != context { mismatches.increment() }
                        if span.traceID != context.description { mismatches.increment() }
                        var headers = HTTPHeadersCarrier()
                        tracer.inject(span, into: &headers)
                        if headers.get("kratos-trace-id") != context.description { mismatches.increment() }
                    }
                }
            }
        }
        span.finish()
        #expect(mismatches.value == 0)
        let reported = try #require(reporter.spans.first)
        #expect(reporter.spans.count == 1)
        #expect(reported.operationName.hasPrefix("title-"))
        #expect(reported.tags.count == 1 + Self.tasks * 10)
    }

    /// The first trace of an operation in a second is sampled once, however many threads ask.
    @Test func samplerSamplesTheFirstOfASecondExactlyOnceAcrossThreads() async {
        let second = Knob<Int64>(1_700_000_000)
        let sampler = ProbabilitySampler(probability: 0.5, unixSeconds: { second.value }, random: { 0.75 })
        for round in 0..<3 {
            let sampled = Counter()
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<Self.tasks {
                    group.addTask {
                        for _ in 0..<1000 where sampler.decide(traceID: 1, operationName: "/hot").isSampled {
                            sampled.increment()
                        }
                    }
                }
            }
            #expect(sampled.value == 1, "round \(round)")
            second.value += 1
        }
    }

    /// New traces from many threads: every span reported once, identifiers unique.
    @Test func manyThreadsStartTracesWithUniqueIdentifiers() async {
        let (tracer, reporter) = makeTracer()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<Self.tasks {
                group.addTask {
                    for _ in 0..<1000 {
                        let root = tracer.new("root")
                        root.fork("", "child").finish()
                        root.finish()
                    }
                }
            }
        }
        let spans = reporter.spans
        #expect(spans.count == Self.tasks * 2000)
        #expect(Set(spans.map(\.context.spanID)).count == spans.count)
        #expect(Set(spans.filter { $0.operationName == "root" }.map(\.context.traceID)).count == Self.tasks * 1000)
    }

    /// The pool-off tracer under the same stress reports the same counts.
    @Test func poolOffTracerUnderConcurrency() async {
        let (tracer, reporter) = makeTracer(usesSpanPool: false)
        let parent = tracer.new("parent")
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<Self.tasks {
                group.addTask {
                    for iteration in 0..<100 {
                        let child = parent.fork("", "child")
                        child.setTag("i", task * 1000 + iteration)
                        child.finish()
                        child.finish()
                        child.setTag("late", true)
                    }
                }
            }
        }
        parent.finish()
        let spans = reporter.spans
        #expect(spans.count == Self.tasks * 100 + 1)
        #expect(spans.allSatisfy { $0.tag("late") == nil })
    }
}
