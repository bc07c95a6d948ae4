import Dapper
import DapperTesting
import Testing

/// The task-local current trace: `currentTrace`, `withCurrentTrace` and `withTrace`.
///
/// Every `withTrace` here runs under a current trace of a local tracer, so that none of these
/// tests reads the process-wide tracer (its own suite sets it).
@Suite struct CurrentTraceTests {
    private func span(_ trace: (any Trace)?) -> DapperSpan? { trace as? DapperSpan }

    // MARK: currentTrace and withCurrentTrace

    @Test func currentTraceIsNilOutsideWithCurrentTrace() {
        #expect(currentTrace == nil)
    }

    @Test func currentTraceIsNilOutsideWithCurrentTraceAsync() async {
        await Task.yield()
        #expect(currentTrace == nil)
    }

    @Test func withCurrentTraceSetsAndRestoresTheCurrentTrace() {
        let (tracer, _) = makeTracer()
        let root = tracer.new("root")
        let result = withCurrentTrace(root) { () -> Int in
            #expect(span(currentTrace) == root)
            return 42
        }
        #expect(result == 42)
        #expect(currentTrace == nil)
        root.finish()
    }

    @Test func withCurrentTraceNestsAndRestoresTheOuterTrace() {
        let (tracer, _) = makeTracer()
        let outer = tracer.new("outer")
        let inner = tracer.new("inner")
        withCurrentTrace(outer) {
            withCurrentTrace(inner) {
                #expect(span(currentTrace) == inner)
            }
            #expect(span(currentTrace) == outer)
        }
        #expect(currentTrace == nil)
    }

    @Test func withCurrentTraceAsyncSetsTheTraceAcrossSuspensions() async {
        let (tracer, _) = makeTracer()
        let root = tracer.new("root")
        await withCurrentTrace(root) {
            await Task.yield()
            #expect(span(currentTrace) == root)
            try? await Task.sleep(for: .milliseconds(1))
            #expect(span(currentTrace) == root)
        }
        #expect(currentTrace == nil)
    }

    @Test func withCurrentTraceRethrows() {
        let (tracer, _) = makeTracer()
        #expect(throws: TestError.self) {
            try withCurrentTrace(tracer.new("root")) { throw TestError("out") }
        }
        #expect(currentTrace == nil)
    }

    @Test func unstructuredTasksInheritTheCurrentTraceAndDetachedTasksDoNot() async {
        let (tracer, _) = makeTracer()
        let root = tracer.new("root")
        await withCurrentTrace(root) {
            let inherited = await Task { currentTrace as? DapperSpan }.value
            #expect(inherited == root)
            let detached = await Task.detached { currentTrace == nil }.value
            #expect(detached)
        }
    }

    // MARK: withTrace

    @Test func withTraceForksAClientChildOfTheCurrentTraceAndFinishesIt() throws {
        let (tracer, reporter) = makeTracer()
        let root = tracer.new("root")
        let rootContext = try #require(root.context)
        let childContext = withCurrentTrace(root) {
            withTrace("child") { trace -> SpanContext? in
                #expect(span(currentTrace) == span(trace))
                #expect(reporter.spans.isEmpty)  // not finished yet
                return trace.context
            }
        }
        let context = try #require(childContext)
        #expect(context.traceID == rootContext.traceID)
        #expect(context.parentID == rootContext.spanID)
        #expect(context.level == 2)
        #expect(reporter.spans.map(\.operationName) == ["child"])
        #expect(reporter.spans.first?.kind == "client")
        #expect(reporter.spans.first?.tag("error") == nil)
        root.finish()
    }

    @Test func withTraceReturnsTheBodysResult() {
        let (tracer, _) = makeTracer()
        let value = withCurrentTrace(tracer.new("root")) { withTrace("child") { _ in "result" } }
        #expect(value == "result")
    }

    @Test func nestedWithTraceMakesAChainOfChildren() throws {
        let (tracer, reporter) = makeTracer()
        let root = tracer.new("root")
        withCurrentTrace(root) {
            withTrace("a") { _ in
                withTrace("b") { _ in
                    withTrace("c") { _ in }
                }
            }
        }
        root.finish()
        let spans = Dictionary(uniqueKeysWithValues: reporter.spans.map { ($0.operationName, $0.context) })
        #expect(reporter.spans.map(\.operationName) == ["c", "b", "a", "root"])
        #expect(spans["a"]?.parentID == spans["root"]?.spanID)
        #expect(spans["b"]?.parentID == spans["a"]?.spanID)
        #expect(spans["c"]?.parentID == spans["b"]?.spanID)
        #expect(spans["c"]?.level == 4)
        #expect(Set(spans.values.map(\.traceID)).count == 1)
    }

    @Test func withTraceFinishesTheSpanWithTheErrorWhenTheBodyThrows() {
        let (tracer, reporter) = makeTracer()
        let root = tracer.new("root")
        #expect(throws: TestError.self) {
            try withCurrentTrace(root) {
                try withTrace("failing") { _ in throw TestError("boom") }
            }
        }
        #expect(reporter.spans.map(\.operationName) == ["failing"])
        #expect(reporter.spans.first?.tag("error") == .bool(true))
        #expect(reporter.spans.first.map(logFields) == [["message=boom"]])
    }

    @Test func asyncWithTraceFinishesTheSpanWithTheErrorWhenTheBodyThrows() async {
        let (tracer, reporter) = makeTracer()
        let root = tracer.new("root")
        await #expect(throws: TestError.self) {
            try await withCurrentTrace(root) {
                try await withTrace("failing-async") { _ in
                    await Task.yield()
                    throw TestError("async boom")
                }
            }
        }
        #expect(reporter.spans.map(\.operationName) == ["failing-async"])
        #expect(reporter.spans.first?.tag("error") == .bool(true))
        #expect(reporter.spans.first.map(logFields) == [["message=async boom"]])
    }

    @Test func withTraceUnderANoOpTraceIsANoOp() {
        let (_, reporter) = makeTracer()
        let isNoop = withCurrentTrace(DapperSpan.noop) {
            withTrace("child") { trace in trace.context == nil }
        }
        #expect(isNoop)
        #expect(reporter.spans.isEmpty)
    }

    // MARK: Across tasks

    @Test func withTraceNestsAcrossAsyncLet() async throws {
        let (tracer, reporter) = makeTracer()
        let root = tracer.new("root")
        let rootContext = try #require(root.context)
        let parentContext = await withCurrentTrace(root) {
            await withTrace("parent") { parent -> SpanContext? in
                async let first = withTrace("first") { trace -> SpanContext? in
                    await Task.yield()
                    return trace.context
                }
                async let second = withTrace("second") { trace -> SpanContext? in
                    await Task.yield()
                    return trace.context
                }
                let contexts = await [first, second]
                #expect(contexts.allSatisfy { $0?.parentID == parent.context?.spanID })
                return parent.context
            }
        }
        root.finish()
        let parent = try #require(parentContext)
        #expect(parent.parentID == rootContext.spanID)
        let byName = Dictionary(uniqueKeysWithValues: reporter.spans.map { ($0.operationName, $0.context) })
        #expect(Set(byName.keys) == ["root", "parent", "first", "second"])
        #expect(byName["first"]?.parentID == parent.spanID)
        #expect(byName["second"]?.parentID == parent.spanID)
        #expect(byName["first"]?.level == 3)
        #expect(byName["parent"]?.parentID == byName["root"]?.spanID)
    }

    @Test func withTraceNestsAcrossATaskGroup() async throws {
        let (tracer, reporter) = makeTracer()
        let root = tracer.new("root")
        let parentContext = await withCurrentTrace(root) {
            await withTrace("parent") { parent -> SpanContext? in
                await withTaskGroup(of: Void.self) { group in
                    for index in 0..<10 {
                        group.addTask {
                            await withTrace("child-\(index)") { _ in
                                await withTrace("grandchild-\(index)") { _ in await Task.yield() }
                            }
                        }
                    }
                }
                return parent.context
            }
        }
        root.finish()
        let parent = try #require(parentContext)
        let spans = reporter.spans
        #expect(spans.count == 22)
        let byName = Dictionary(uniqueKeysWithValues: spans.map { ($0.operationName, $0.context) })
        for index in 0..<10 {
            let child = try #require(byName["child-\(index)"])
            #expect(child.parentID == parent.spanID)
            #expect(child.traceID == parent.traceID)
            #expect(byName["grandchild-\(index)"]?.parentID == child.spanID)
        }
    }

    @Test func currentTraceInsideAChildTaskOfWithTraceIsThatSpan() async {
        let (tracer, _) = makeTracer()
        let root = tracer.new("root")
        await withCurrentTrace(root) {
            await withTrace("parent") { parent in
                let seen = await Task { currentTrace as? DapperSpan }.value
                #expect(seen == parent as? DapperSpan)
            }
        }
    }
}
