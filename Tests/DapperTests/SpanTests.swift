@testable import Dapper
import DapperTesting
import Foundation
import Testing

/// Compatibility §3 and §4: what a span records, its children and their guards, and finishing.
@Suite struct SpanTests {
    // MARK: Identity of children

    @Test func forkMakesAChildInTheSameTrace() throws {
        let (tracer, _) = makeTracer()
        let root = tracer.new("root")
        let child = root.fork("ignored-service", "child")
        let parent = try #require(root.context)
        let context = try #require(child.context)
        #expect(context.traceID == parent.traceID)
        #expect(context.spanID != 0)
        #expect(context.spanID != parent.spanID)
        #expect(context.parentID == parent.spanID)
        #expect(context.level == parent.level + 1)
        #expect(context.flags == parent.flags)
        #expect(context.probability == parent.probability)
    }

    @Test func followMakesAChildInTheSameTrace() throws {
        let (tracer, _) = makeTracer()
        let root = tracer.new("root")
        let child = root.follow("ignored-service", "child")
        let parent = try #require(root.context)
        let context = try #require(child.context)
        #expect(context.traceID == parent.traceID)
        #expect(context.spanID != parent.spanID && context.spanID != 0)
        #expect(context.parentID == parent.spanID)
        #expect(context.level == 2)
        #expect(context.flags == parent.flags)
    }

    @Test func grandchildrenChainParentIDsAndLevels() throws {
        let (tracer, _) = makeTracer()
        let root = tracer.new("root")
        let child = root.fork("", "child")
        let grandchild = child.follow("", "grandchild")
        let rootContext = try #require(root.context)
        let childContext = try #require(child.context)
        let grandchildContext = try #require(grandchild.context)
        #expect(grandchildContext.traceID == rootContext.traceID)
        #expect(grandchildContext.parentID == childContext.spanID)
        #expect(childContext.parentID == rootContext.spanID)
        #expect([rootContext.level, childContext.level, grandchildContext.level] == [1, 2, 3] as [Int])
    }

    @Test func childrenInheritEveryFlagBit() throws {
        let (tracer, _) = makeTracer()
        for raw in [0x00, 0x01, 0x02, 0x03, 0xFD] as [UInt8] {
            let parent = tracer.continueTrace(SpanContext(traceID: 5, spanID: 6, flags: SpanContext.Flags(rawValue: raw)))
            #expect(parent.fork("", "c").context?.flags.rawValue == raw)
            #expect(parent.follow("", "f").context?.flags.rawValue == raw)
        }
    }

    @Test func forkIgnoresTheServiceNameArgument() throws {
        let (tracer, reporter) = makeTracer(serviceName: "mine")
        let root = tracer.new("root")
        root.fork("someone-else", "child").finish()
        root.finish()
        #expect(reporter.spans.map(\.serviceName) == ["mine", "mine"])
        #expect(reporter.spans.first?.operationName == "child")
    }

    // MARK: Kinds and tags

    @Test func newSpanTagsAreDefaultsThenServerKind() {
        let (tracer, reporter) = makeTracer()
        tracer.new("root").finish()
        #expect(Array(reporter.spans[0].tags) == sharedTags("server"))
        #expect(reporter.spans[0].kind == "server")
    }

    @Test func forkHasExactlyOneClientKindAfterDefaults() {
        let (tracer, reporter) = makeTracer()
        let root = tracer.new("root")
        root.fork("", "child").finish()
        root.finish()
        let child = reporter.spans[0]
        #expect(Array(child.tags) == sharedTags("client"))
        #expect(count("span.kind", in: child) == 1)
        #expect(child.kind == "client")
    }

    @Test func followHasExactlyOneProducerKindAfterDefaults() {
        let (tracer, reporter) = makeTracer()
        let root = tracer.new("root")
        root.follow("", "child").finish()
        root.finish()
        let child = reporter.spans[0]
        #expect(Array(child.tags) == sharedTags("producer"))
        #expect(count("span.kind", in: child) == 1)
        #expect(child.kind == "producer")
    }

    @Test func withoutDefaultTagsOnlyTheKindIsTagged() {
        let (tracer, reporter) = makeTracer(defaultTags: [])
        let root = tracer.new("root")
        root.fork("", "child").finish()
        root.finish()
        #expect(reporter.spans.map { Array($0.tags) } == [sharedTags("client", defaultTags: []), sharedTags("server", defaultTags: [])])
    }

    @Test func userTagsFollowTheKindInTheOrderSet() {
        let (tracer, reporter) = makeTracer()
        let span = tracer.new("root")
        span.setTag("string", "text")
        span.setTag("int", -1 as Int)
        span.setTag("int32", Int32.max)
        span.setTag("int64", Int64.min)
        span.setTag("bool", false)
        span.setTag("float", Float(3.14159))
        span.setTag("double", -1e300)
        span.setTag(SpanTag(key: "direct", value: .string("d")))
        span.setTag(SpanTag(key: "v1", value: 1), SpanTag(key: "v2", value: 2), SpanTag(key: "v3", value: true))
        span.finish()
        let expected: [SpanTag] = sharedTags("server") + [
            SpanTag(key: "string", value: .string("text")),
            SpanTag(key: "int", value: .int(-1)),
            SpanTag(key: "int32", value: .int(Int64(Int32.max))),
            SpanTag(key: "int64", value: .int(Int64.min)),
            SpanTag(key: "bool", value: .bool(false)),
            SpanTag(key: "float", value: .double(Double(Float(3.14159)))),
            SpanTag(key: "double", value: .double(-1e300)),
            SpanTag(key: "direct", value: .string("d")),
            SpanTag(key: "v1", value: .int(1)),
            SpanTag(key: "v2", value: .int(2)),
            SpanTag(key: "v3", value: .bool(true)),
        ]
        #expect(Array(reporter.spans[0].tags) == expected)
    }

    @Test func setTagReturnsTheSameSpanForChaining() {
        let (tracer, reporter) = makeTracer()
        let span = tracer.new("root")
        #expect(span.setTag("a", "1").setTag("b", 2 as Int).setLog("k", "v") == span)
        span.finish()
        #expect(reporter.spans[0].tags.suffix(2).map(\.key) == ["a", "b"])
    }

    // MARK: Debug

    @Test func debugAddsFlagTwoAndADebugTagAfterTheKind() throws {
        let (tracer, reporter) = makeTracer(sampler: AlwaysSampler())
        let span = tracer.new("root", debug: true)
        let context = try #require(span.context)
        #expect(context.flags.rawValue == 0x03)
        #expect(context.isDebug && context.isSampled)
        span.finish()
        #expect(Array(reporter.spans[0].tags) == sharedTags("server") + [SpanTag(key: "debug", value: .bool(true))])
    }

    @Test func notDebugHasNoDebugTagOrFlag() throws {
        let (tracer, reporter) = makeTracer(sampler: AlwaysSampler())
        let span = tracer.new("root", debug: false)
        #expect(try #require(span.context).flags.rawValue == 0x01)
        span.finish()
        #expect(reporter.spans[0].tag("debug") == nil)
    }

    @Test func debugButUnsampledSpanIsRecordedAndReported() throws {
        let (tracer, reporter) = makeTracer(sampler: NeverSampler())
        let span = tracer.new("root", debug: true)
        let context = try #require(span.context)
        #expect(context.flags.rawValue == 0x02)
        #expect(context.probability == 0)
        #expect(span.isRecording)
        span.setTag("kept", true)
        span.setLog("event", "kept")
        let child = span.fork("", "child")
        #expect(child.context?.flags.rawValue == 0x02)
        child.finish()
        span.finish()
        #expect(reporter.spans.map(\.operationName) == ["child", "root"])
        let root = reporter.spans[1]
        #expect(Array(root.tags) == sharedTags("server") + [
            SpanTag(key: "debug", value: .bool(true)), SpanTag(key: "kept", value: .bool(true)),
        ])
        #expect(logFields(root) == [["event=kept"]])
    }

    // MARK: Unsampled spans

    @Test func unsampledSpansAreNotReported() {
        let (tracer, reporter) = makeTracer(sampler: NeverSampler())
        let root = tracer.new("root")
        #expect(!root.isRecording)
        root.fork("", "child").finish()
        root.follow("", "producer").finish()
        root.finish(error: TestError("boom"))
        #expect(reporter.spans.isEmpty)
        #expect(reporter.statistics.reported == 0)
    }

    @Test func setTagAndSetLogDoNothingOnUnsampledNonDebugSpans() throws {
        let (tracer, _) = makeTracer(sampler: NeverSampler())
        let span = tracer.new("root")
        span.setTag("ignored", true)
        span.setTag(SpanTag(key: "a", value: 1), SpanTag(key: "b", value: 2))
        span.setLog("event", "ignored")
        span.setLog(SpanLogField(key: "k", value: "v"), SpanLogField(key: "k2", value: "v2"))
        let storage = try #require(span.storage)
        storage.lock()
        let (tags, logs) = (storage.records.pointee.tags.count, storage.records.pointee.logs.count)
        storage.unlock()
        #expect(tags == 0)
        #expect(logs == 0)
        span.finish()
    }

    @Test func unsampledSpansStillPropagateAndRename() throws {
        let (tracer, _) = makeTracer(sampler: NeverSampler())
        let span = tracer.new("root")
        let context = try #require(span.context)
        #expect(!context.isSampled)
        #expect(span.traceID == context.description)
        span.setTitle("renamed")
        #expect(span.operationName == "renamed")
        span.finish()
    }

    // MARK: Logs and titles

    @Test func setLogAddsOneEntryWithTheCurrentTimeAndTheFieldsInOrder() throws {
        let (tracer, reporter) = makeTracer()
        let span = tracer.new("root")
        let before = wallClockNanos()
        span.setLog(SpanLogField(key: "event", value: "error"), SpanLogField(key: "message", value: "refused"), SpanLogField(key: "x", value: ""))
        span.setLog("single", "value")
        span.setLog(SpanLogFields([]))
        let after = wallClockNanos()
        span.finish()
        let logs = reporter.spans[0].logs
        #expect(logFields(reporter.spans[0]) == [["event=error", "message=refused", "x="], ["single=value"], []])
        for log in logs {
            // The tracer's clock against Foundation's: equal within the clock's refresh slack.
            #expect(log.timestampNanos >= before - 1_000_000_000)
            #expect(log.timestampNanos <= after + 1_000_000_000)
        }
        #expect(logs[0].timestampNanos <= logs[1].timestampNanos + 1_000_000)
    }

    @Test func setTitleRenamesTheSpan() {
        let (tracer, reporter) = makeTracer()
        let span = tracer.new("before")
        #expect(span.operationName == "before")
        span.setTitle("after")
        #expect(span.operationName == "after")
        span.finish()
        #expect(reporter.spans[0].operationName == "after")
    }

    @Test func addReferenceIsReported() {
        let (tracer, reporter) = makeTracer()
        let span = tracer.new("root")
        let reference = SpanReference(kind: .followsFrom, traceID: 1, spanID: 2)
        span.addReference(reference)
        span.finish()
        #expect(reporter.spans[0].references == [reference])
    }

    @Test func referencesBeyond128AreDroppedWithOneMarker() throws {
        let (tracer, reporter) = makeTracer()
        let span = tracer.new("batch")
        for index in 0..<300 { span.addReference(SpanReference(kind: .followsFrom, traceID: 1, spanID: UInt64(index + 1))) }
        span.finish()
        let reported = try #require(reporter.spans.first)
        #expect(reported.references.count == DapperSpan.maxReferences)
        #expect(reported.references.map(\.spanID) == (1...128).map(UInt64.init))
        #expect(reported.tags.filter { $0.key == "trace.error" }.map(\.value) == [.string("too many references")])
    }

    // MARK: Tag and log limits

    /// 4 default tags and `span.kind` count towards the 128: the 123rd own tag reaches 128 and
    /// brings the marker; later tags are dropped.
    @Test func theTagThatReaches128BringsTheMarkerAndLaterTagsAreDropped() {
        let (tracer, reporter) = makeTracer()
        let span = tracer.new("root")
        for index in 0..<200 { span.setTag("tag\(index)", index) }
        span.finish()
        let tags = Array(reporter.spans[0].tags)
        #expect(tags.count == 129)
        #expect(Array(tags.prefix(5)) == sharedTags("server"))
        #expect(tags[5..<128].map(\.key) == (0..<123).map { "tag\($0)" })
        #expect(tags[128] == SpanTag(key: "trace.error", value: .string("too many tags")))
        #expect(count("trace.error", in: reporter.spans[0]) == 1)
    }

    @Test func oneTagBelowTheLimitHasNoMarker() {
        let (tracer, reporter) = makeTracer()
        let span = tracer.new("root")
        for index in 0..<122 { span.setTag("tag\(index)", index) }
        span.finish()
        #expect(reporter.spans[0].tags.count == 127)
        #expect(reporter.spans[0].tag("trace.error") == nil)
    }

    @Test func exactlyTheTagThatReaches128BringsTheMarker() {
        let (tracer, reporter) = makeTracer()
        let span = tracer.new("root")
        for index in 0..<123 { span.setTag("tag\(index)", index) }
        span.finish()
        let tags = Array(reporter.spans[0].tags)
        #expect(tags.count == 129)
        #expect(tags[127].key == "tag122")
        #expect(tags[128] == SpanTag(key: "trace.error", value: .string("too many tags")))
    }

    @Test func tagLimitCountsTheKindWhenThereAreNoDefaultTags() {
        let (tracer, reporter) = makeTracer(defaultTags: [])
        let span = tracer.new("root")
        for index in 0..<300 { span.setTag("tag\(index)", index) }
        span.finish()
        let tags = Array(reporter.spans[0].tags)
        #expect(tags.count == 129)
        #expect(tags[127].key == "tag126")
        #expect(tags[128].key == "trace.error")
    }

    @Test func tagLimitCountsTheDebugTag() {
        let (tracer, reporter) = makeTracer()
        let span = tracer.new("root", debug: true)
        for index in 0..<300 { span.setTag("tag\(index)", index) }
        span.finish()
        let tags = Array(reporter.spans[0].tags)
        #expect(tags.count == 129)
        #expect(tags[5].key == "debug")
        #expect(tags[127].key == "tag121")
        #expect(tags[128].key == "trace.error")
    }

    @Test func errorTagIsDroppedWhenTheTagsAreFull() {
        let (tracer, reporter) = makeTracer()
        let span = tracer.new("root")
        for index in 0..<200 { span.setTag("tag\(index)", index) }
        span.finish(error: TestError("late"))
        #expect(reporter.spans[0].tags.count == 129)
        #expect(reporter.spans[0].tag("error") == nil)
        #expect(logFields(reporter.spans[0]) == [["message=late"]])
    }

    @Test func theLogThatReaches256BringsTheMarkerAndLaterLogsAreDropped() {
        let (tracer, reporter) = makeTracer()
        let span = tracer.new("root")
        for index in 0..<300 { span.setLog("n", "\(index)") }
        span.finish()
        let logs = logFields(reporter.spans[0])
        #expect(logs.count == 257)
        #expect(Array(logs.prefix(256)) == (0..<256).map { ["n=\($0)"] })
        #expect(logs[256] == ["trace.error=too many logs"])
    }

    @Test func oneLogBelowTheLimitHasNoMarker() {
        let (tracer, reporter) = makeTracer()
        let span = tracer.new("root")
        for index in 0..<255 { span.setLog("n", "\(index)") }
        span.finish()
        let logs = logFields(reporter.spans[0])
        #expect(logs.count == 255)
        #expect(!logs.contains(["trace.error=too many logs"]))
    }

    // MARK: Guards

    /// Levels 1...65 are real spans; the child of a level-65 span (above 64) is a no-op.
    @Test func aParentAboveLevel64GetsANoOpChild() throws {
        let (tracer, reporter) = makeTracer()
        var chain = [tracer.new("level-1")]
        for level in 2...65 {
            let child = chain[chain.count - 1].fork("", "level-\(level)")
            #expect(!child.isNoop, "level \(level)")
            #expect(child.context?.level == level)
            chain.append(child)
        }
        let last = try #require(chain.last)
        #expect(last.context?.level == 65)
        #expect(last.fork("", "too-deep").isNoop)
        #expect(last.follow("", "too-deep").isNoop)
        // The level-64 span may still have children.
        #expect(!chain[63].fork("", "sibling").isNoop)
        for span in chain.reversed() { span.finish() }
        #expect(reporter.spans.count == 65)
        #expect(!reporter.spans.map(\.operationName).contains("too-deep"))
    }

    /// The original counts children from 0 and refuses when the count is above 1024: 1025 real
    /// children, then no-op ones.
    @Test func aParentThatForkedMoreThan1024ChildrenGetsNoOpChildren() {
        let (tracer, reporter) = makeTracer()
        let parent = tracer.new("parent")
        var real = 0
        for _ in 0..<1025 {
            let child = parent.fork("", "child")
            if !child.isNoop { real += 1 }
            child.finish()
        }
        #expect(real == 1025)
        #expect(parent.fork("", "child").isNoop)
        #expect(parent.follow("", "child").isNoop)
        parent.finish()
        #expect(reporter.spans.count == 1026)
    }

    @Test func followCountsTowardsTheChildrenLimit() {
        let (tracer, _) = makeTracer()
        let parent = tracer.new("parent")
        for index in 0..<1025 {
            let child = index.isMultiple(of: 2) ? parent.fork("", "c") : parent.follow("", "f")
            child.finish()
        }
        #expect(parent.follow("", "f").isNoop)
        #expect(parent.fork("", "c").isNoop)
        parent.finish()
    }

    @Test func finishingChildrenDoesNotResetTheChildrenCount() {
        let (tracer, _) = makeTracer(sampler: NeverSampler())
        let parent = tracer.new("parent")
        for _ in 0..<1025 { parent.fork("", "c").finish() }
        #expect(parent.fork("", "c").isNoop)
        parent.finish()
    }

    @Test func eachChildHasItsOwnChildrenCount() {
        let (tracer, _) = makeTracer(sampler: NeverSampler())
        let parent = tracer.new("parent")
        let child = parent.fork("", "child")
        for _ in 0..<1025 { child.fork("", "c").finish() }
        #expect(child.fork("", "c").isNoop)
        #expect(!parent.fork("", "other").isNoop)
        child.finish()
        parent.finish()
    }

    // MARK: The no-op span

    @Test func noOpSpanAcceptsEveryCallAndReportsNothing() {
        let (tracer, reporter) = makeTracer()
        let noop = DapperSpan.noop
        #expect(noop.isNoop)
        #expect(noop.context == nil)
        #expect(noop.operationName == nil)
        #expect(noop.traceID == "")
        #expect(!noop.isRecording)
        noop.setTag("k", "v")
        noop.setLog("k", "v")
        noop.setTitle("t")
        noop.addReference(SpanReference(kind: .childOf, traceID: 1, spanID: 1))
        #expect(noop.fork("", "c").isNoop)
        #expect(noop.follow("", "c").isNoop)
        var visited = 0
        noop.visit { _, _ in visited += 1 }
        #expect(visited == 0)
        noop.finish()
        noop.finish(error: TestError("x"))
        noop.finish(error: TestError("x"), endTimeNanos: 0)
        _ = tracer
        #expect(reporter.spans.isEmpty)
    }

    // MARK: Finish

    @Test func finishReportsTheSpanWithItsFields() throws {
        let (tracer, reporter) = makeTracer(serviceName: "svc")
        let span = tracer.new("/api/user/info")
        let context = try #require(span.context)
        span.finish()
        #expect(reporter.spans.count == 1)
        let finished = reporter.spans[0]
        #expect(finished.serviceName == "svc")
        #expect(finished.operationName == "/api/user/info")
        #expect(finished.context.traceID == context.traceID)
        #expect(finished.context.spanID == context.spanID)
        #expect(finished.context.parentID == 0)
        #expect(finished.context.flags == context.flags)
        #expect(finished.context.probability == 1)
        #expect(finished.logs.isEmpty)
    }

    @Test func finishWithoutErrorAddsNoErrorTagOrLog() {
        let (tracer, reporter) = makeTracer()
        tracer.new("a").finish(error: nil)
        tracer.new("b").finish()
        for span in reporter.spans {
            #expect(span.tag("error") == nil)
            #expect(span.logs.isEmpty)
        }
    }

    @Test func finishWithErrorAddsErrorTagAndMessageLog() {
        let (tracer, reporter) = makeTracer()
        let concrete = tracer.new("concrete")
        concrete.finish(error: TestError("connection refused"))
        let existential = tracer.new("existential")
        let error: any Error = TestError("connection refused")
        existential.finish(error: error)
        let optional = tracer.new("optional")
        let maybe: (any Error)? = TestError("connection refused")
        optional.finish(error: maybe)
        let throughProtocol: any Trace = tracer.new("protocol")
        throughProtocol.finish(error: TestError("connection refused"))
        #expect(reporter.spans.count == 4)
        for span in reporter.spans {
            #expect(Array(span.tags) == sharedTags("server") + [SpanTag(key: "error", value: .bool(true))], "\(span.operationName)")
            #expect(logFields(span) == [["message=connection refused"]], "\(span.operationName)")
        }
    }

    enum PlainError: Error { case timedOut }

    @Test func errorMessageIsTheErrorsDescription() {
        let (tracer, reporter) = makeTracer()
        tracer.new("plain").finish(error: PlainError.timedOut)
        let error: any Error = PlainError.timedOut
        tracer.new("boxed").finish(error: error)
        #expect(logFields(reporter.spans[0]) == [["message=\(String(describing: PlainError.timedOut))"]])
        #expect(logFields(reporter.spans[1]) == [["message=\(String(describing: PlainError.timedOut))"]])
    }

    @Test func errorThatCarriesAStackTraceAlsoLogsTheStack() {
        let (tracer, reporter) = makeTracer()
        let stack = StackError(description: "failed", stackTrace: "main.swift:1\nlib.swift:2")
        tracer.new("concrete").finish(error: stack)
        let boxed: any Error = stack
        tracer.new("boxed").finish(error: boxed)
        tracer.new("at").finish(error: boxed, endTimeNanos: nil)
        for span in reporter.spans {
            #expect(span.tag("error") == .bool(true))
            #expect(logFields(span) == [["message=failed"], ["stack=main.swift:1\nlib.swift:2"]], "\(span.operationName)")
        }
    }

    @Test func errorLogIsStampedAtTheEndOfTheSpan() {
        let (tracer, reporter) = makeTracer()
        let span = tracer.new("root")
        let end = wallClockNanos() + 2_000_000_000
        span.finish(error: TestError("x"), endTimeNanos: end)
        let finished = reporter.spans[0]
        #expect(finished.logs.map(\.timestampNanos) == [end])
        #expect(finished.startTimeNanos + finished.durationNanos == end)
    }

    @Test func finishTwiceReportsOnce() {
        let (tracer, reporter) = makeTracer()
        let span = tracer.new("root")
        span.finish()
        span.finish()
        span.finish(error: TestError("again"))
        span.finish(error: TestError("again"), endTimeNanos: 0)
        #expect(reporter.spans.count == 1)
        #expect(reporter.spans[0].tag("error") == nil)
    }

    @Test func everyCallAfterFinishIsANoOp() {
        let (tracer, reporter) = makeTracer()
        let span = tracer.new("root")
        span.finish()
        #expect(span.context == nil)
        #expect(span.operationName == nil)
        #expect(span.traceID == "")
        #expect(!span.isRecording)
        span.setTag("late", true)
        span.setLog("late", "log")
        span.setTitle("late")
        span.addReference(SpanReference(kind: .childOf, traceID: 1, spanID: 2))
        #expect(span.fork("", "late").isNoop)
        #expect(span.follow("", "late").isNoop)
        var visited: [String] = []
        span.visit { key, _ in visited.append(key) }
        #expect(visited.isEmpty)
        span.finish()
        #expect(reporter.spans.count == 1)
        #expect(reporter.spans[0].operationName == "root")
        #expect(reporter.spans[0].tag("late") == nil)
        #expect(reporter.spans[0].logs.isEmpty)
    }

    /// A stale handle must never reach a new span on its storage. The pool does not reuse a
    /// storage while a handle holds it; this checks the second line, the generation, by
    /// starting the new span on the storage directly, as a reuse would.
    @Test func callsThroughAFinishedHandleNeverTouchTheSpanThatReusesItsStorage() throws {
        let (tracer, reporter) = makeTracer()
        let first = tracer.new("A")
        first.setTag("owner", "A")
        first.finish()
        let storage = try #require(first.storage)
        let generation = storage.start(
            tracer: tracer, operationName: "B", context: SpanContext(traceID: 7, spanID: 7, flags: .sampled), kind: .server)
        let second = DapperSpan(storage: storage, generation: generation)
        let secondContext = try #require(second.context)

        first.setTag("owner", "stale")
        first.setLog("stale", "log")
        first.setTitle("hijacked")
        first.addReference(SpanReference(kind: .childOf, traceID: 1, spanID: 1))
        #expect(first.fork("", "stale-child").isNoop)
        #expect(first.follow("", "stale-child").isNoop)
        #expect(first.context == nil)
        #expect(first.contextEvenIfFinished == nil, "the storage moved on: A's context is gone")
        #expect(first.operationName == nil)
        first.finish(error: TestError("stale"))
        first.finish()
        first.finish(error: TestError("stale"), endTimeNanos: 0)

        #expect(second.context == secondContext)
        #expect(second.operationName == "B")
        #expect(reporter.spans.count == 1)  // only A so far: B is still open
        second.setTag("owner", "B")
        second.finish()
        #expect(reporter.spans.map(\.operationName) == ["A", "B"])
        let reportedB = reporter.spans[1]
        #expect(Array(reportedB.tags) == sharedTags("server") + [SpanTag(key: "owner", value: .string("B"))])
        #expect(reportedB.logs.isEmpty)
        #expect(reportedB.references.isEmpty)
        #expect(reportedB.context.spanID == secondContext.spanID)
        #expect(reporter.statistics.reported == 2)
    }

    @Test func handlesCompareByStorageAndGeneration() {
        let (tracer, _) = makeTracer()
        let first = tracer.new("A")
        let copy = first
        #expect(first == copy)
        #expect(first.hashValue == copy.hashValue)
        first.finish()
        let second = tracer.new("B")
        #expect(second != first)
        #expect(DapperSpan.noop == DapperSpan.noop)
        #expect(second != .noop)
        second.finish()
    }

    // MARK: Times

    @Test func startTimeIsCloseToTheWallClock() {
        let (tracer, reporter) = makeTracer()
        let before = wallClockNanos()
        tracer.new("root").finish()
        let after = wallClockNanos()
        let start = reporter.spans[0].startTimeNanos
        #expect(start >= before - 2_000_000_000)
        #expect(start <= after + 2_000_000_000)
    }

    @Test func durationIsNonNegativeAndPlausible() {
        let (tracer, reporter) = makeTracer()
        let quick = tracer.new("quick")
        quick.finish()
        let clock = ContinuousClock()
        let began = clock.now
        let slow = tracer.new("slow")
        usleep(20_000)
        slow.finish()
        let elapsed = clock.now - began  // encloses the span
        let spans = reporter.spans
        #expect(spans[0].durationNanos >= 0)
        #expect(spans[0].durationNanos < 1_000_000_000)
        #expect(spans[1].durationNanos >= 20_000_000)
        #expect(Duration.nanoseconds(spans[1].durationNanos) <= elapsed + .milliseconds(1))
    }

    @Test func finishAtAnEndTimeSetsDurationToEndMinusStart() {
        let (tracer, reporter) = makeTracer()
        let end = wallClockNanos() + 5_000_000_123
        tracer.new("explicit").finish(error: nil, endTimeNanos: end)
        let span = reporter.spans[0]
        #expect(span.durationNanos == end - span.startTimeNanos)
        #expect(span.durationNanos > 4_000_000_000)
    }

    @Test func anEndTimeBeforeTheStartGivesZeroDuration() {
        let (tracer, reporter) = makeTracer()
        tracer.new("backwards").finish(error: nil, endTimeNanos: wallClockNanos() - 60_000_000_000)
        #expect(reporter.spans[0].durationNanos == 0)
    }

    @Test func finishAtNilEndTimeMeasuresOnTheMonotonicClock() {
        let (tracer, reporter) = makeTracer()
        let span = tracer.new("root")
        usleep(5_000)
        span.finish(error: nil, endTimeNanos: nil)
        #expect(reporter.spans[0].durationNanos >= 5_000_000)
        #expect(reporter.spans[0].durationNanos < 5_000_000_000)
    }

    // MARK: Finished span helpers

    @Test func finishedSpanTagLookupTakesTheFirstAndKindTheLast() {
        let span = FinishedSpan(
            serviceName: "s", operationName: "o", context: SpanContext(traceID: 1, spanID: 1),
            startTimeNanos: 0, durationNanos: 0,
            tags: [
                SpanTag(key: "span.kind", value: "client"), SpanTag(key: "k", value: 1),
                SpanTag(key: "span.kind", value: "producer"), SpanTag(key: "k", value: 2),
            ])
        #expect(span.tag("k") == .int(1))
        #expect(span.tag("missing") == nil)
        #expect(span.kind == "producer")
    }
}
