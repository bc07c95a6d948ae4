import Dapper
import DapperTesting
@testable import DapperTracing
import Instrumentation
import Testing
import Tracing

@Suite struct DistributedTracerTests {
    @Test func nestedWithSpanMakesOneTraceWithParentLinksAndKinds() throws {
        let (tracer, reporter) = makeBridge()
        tracer.withSpan("GET /order", context: .topLevel, ofKind: .server) { _ in
            tracer.withSpan("load") { _ in
                tracer.withSpan("user.Get", ofKind: .client) { _ in }
            }
        }
        let spans = reporter.spans
        try #require(spans.count == 3)
        let (client, load, server) = (spans[0], spans[1], spans[2])
        #expect([server.operationName, load.operationName, client.operationName] == ["GET /order", "load", "user.Get"])
        #expect(Set(spans.map(\.context.traceID)).count == 1)
        #expect(server.context.parentID == 0 && server.context.spanID == server.context.traceID)
        #expect(load.context.parentID == server.context.spanID)
        #expect(client.context.parentID == load.context.spanID)
        #expect(server.tag("span.kind") == .string("server"))
        #expect(load.tag("span.kind") == nil, "internal spans have no kind tag")
        #expect(client.tag("span.kind") == .string("client"))
        #expect(spans.allSatisfy { $0.serviceName == "svc" })
    }

    @Test func everySpanKindBecomesItsTag() {
        let (tracer, reporter) = makeBridge()
        let kinds: [(Tracing.SpanKind, String?)] = [
            (.server, "server"), (.client, "client"), (.producer, "producer"), (.consumer, "consumer"), (.internal, nil),
        ]
        for (kind, _) in kinds { tracer.startSpan("k", context: .topLevel, ofKind: kind).end() }
        #expect(reporter.spans.map { $0.tag("span.kind") } == kinds.map { $0.1.map(SpanTagValue.string) })
        #expect(reporter.spans.allSatisfy { $0.tagCount("span.kind") <= 1 })
    }

    @Test func theTaskLocalContextCrossesAsyncLetAndTaskGroups() async throws {
        let (tracer, reporter) = makeBridge()
        try await tracer.withSpan("root", context: .topLevel) { _ in
            async let first: Void = tracer.withSpan("async-let") { _ in try await Task.sleep(for: .milliseconds(1)) }
            await withTaskGroup(of: Void.self) { group in
                for index in 0..<3 {
                    group.addTask { tracer.withSpan("group-\(index)") { _ in } }
                }
            }
            try await first
        }
        let spans = reporter.spans
        let root = try #require(spans.first { $0.operationName == "root" })
        let children = spans.filter { $0.operationName != "root" }
        #expect(children.count == 4)
        #expect(children.allSatisfy { $0.context.parentID == root.context.spanID && $0.context.traceID == root.context.traceID })
    }

    /// A task started inside a request often outlives the request's span: its spans are still
    /// recorded, in the same trace, as children of the span that started it.
    @Test func aSpanStartedAfterItsParentEndedIsItsRecordedChild() async throws {
        let (tracer, reporter) = makeBridge()
        let parent = tracer.startSpan("request", context: .topLevel, ofKind: .server)
        parent.end()
        let late = tracer.startSpan("notify", context: parent.context, ofKind: .client)
        #expect(late.isRecording)
        #expect(late.context.dapperSpanContext?.parentID == parent.context.dapperSpanContext?.spanID)
        late.end()
        let spans = reporter.spans
        try #require(spans.count == 2)
        let (request, notify) = (spans[0], spans[1])
        #expect(notify.context.traceID == request.context.traceID)
        #expect(notify.context.parentID == request.context.spanID)
        #expect(notify.context.level == request.context.level + 1)
    }

    @Test func aTaskThatOutlivesItsSpanKeepsTheTraceForItsSpansAndLogs() async throws {
        let (tracer, reporter) = makeBridge()
        let (started, release) = AsyncStream.makeStream(of: Void.self)
        let background = tracer.withSpan("request", context: .topLevel, ofKind: .server) { _ in
            Task {
                for await _ in started { break }
                // The request's span has ended by now.
                return tracer.withSpan("audit") { span in span.context.dapperSpanContext }
            }
        }
        release.yield()
        let auditContext = try #require(await background.value)
        let spans = reporter.spans
        let request = try #require(spans.first { $0.operationName == "request" })
        let audit = try #require(spans.first { $0.operationName == "audit" })
        #expect(audit.context.parentID == request.context.spanID)
        #expect(audit.context.traceID == request.context.traceID)
        #expect(auditContext.spanID == audit.context.spanID)
    }

    @Test func aFinishedSpansStorageIsNotReusedWhileAContextHoldsIt() throws {
        let (tracer, reporter) = makeBridge()
        let first = tracer.startSpan("first", context: .topLevel)
        first.end()
        // Spans started meanwhile get other storage: the ended span's identifiers stay.
        for index in 0..<100 { tracer.startSpan("other-\(index)", context: .topLevel).end() }
        let reported = try #require(reporter.spans.first)
        #expect(first.context.dapperSpanContext == reported.context)
    }

    /// An ended unsampled root's context goes back to the thread's cache, and the next
    /// unsampled root takes it from there.
    @Test func unsampledRootsRecycleTheirContextsThroughTheThreadsCache() throws {
        let (tracer, _) = makeBridge(sampler: NeverSampler())
        while UnsampledContextCache.take() != nil {}
        let first = tracer.startSpan("first", context: .topLevel, ofKind: .server)
        let kept = first.context
        let firstTrace = try #require(kept.dapperSpanContext)
        first.end()
        let given = try #require(UnsampledContextCache.take(), "the ended root gave its context back")
        #expect(given.dapperSpanContext == firstTrace)
        #expect(UnsampledContextCache.take() == nil)
        UnsampledContextCache.give(given)
        let second = tracer.startSpan("second", context: .topLevel, ofKind: .server)
        #expect(UnsampledContextCache.take() == nil, "the next root took it")
        #expect(second.context.dapperSpanContext?.traceID != firstTrace.traceID)
        #expect(kept.dapperSpanContext == firstTrace, "a context someone kept is not changed")
        second.end()
    }

    @Test func anUnsampledRootKeepsWhatItsContextAlreadyHeld() throws {
        let (tracer, _) = makeBridge(sampler: NeverSampler())
        // Fill the thread's cache first.
        for _ in 0..<4 { tracer.startSpan("warm", context: .topLevel).end() }
        var parent = ServiceContext.topLevel
        parent[RequestIDKey.self] = "req-1"
        let span = tracer.startSpan("GET /", context: parent, ofKind: .server)
        #expect(span.context[RequestIDKey.self] == "req-1")
        #expect(span.context.dapperSpanContext != nil)
        span.end()
        let next = tracer.startSpan("GET /", context: .topLevel, ofKind: .server)
        #expect(next.context[RequestIDKey.self] == nil)
        #expect(next.context.count == 1)
        next.end()
    }

    @Test func aThrowingWithSpanMarksTheErrorOnceWithItsMessage() throws {
        let (tracer, reporter) = makeBridge()
        #expect(throws: TestFailure.self) {
            try tracer.withSpan("call", context: .topLevel) { _ in throw TestFailure() }
        }
        let span = try #require(reporter.spans.first)
        // withSpan calls recordError and then setStatus(.error): one tag, one message.
        #expect(span.tagCount("error") == 1 && span.tag("error") == .bool(true))
        #expect(span.logs.flatMap(\.fields) == [SpanLogField(key: "message", value: "the order service refused")])
    }

    @Test func setStatusErrorMarksTheSpanAndLogsItsMessage() throws {
        let (tracer, reporter) = makeBridge()
        let span = tracer.startSpan("call", context: .topLevel)
        span.setStatus(SpanStatus(code: .ok))
        span.setStatus(SpanStatus(code: .error, message: "deadline exceeded"))
        span.end()
        let finished = try #require(reporter.spans.first)
        #expect(finished.tagCount("error") == 1)
        #expect(finished.logs.flatMap(\.fields) == [SpanLogField(key: "message", value: "deadline exceeded")])
    }

    @Test func attributesBecomeTypedTags() throws {
        let (tracer, reporter) = makeBridge()
        tracer.withSpan("attrs", context: .topLevel) { span in
            span.attributes["http.status_code"] = 200
            span.attributes["http.method"] = "GET"
            span.attributes["ratio"] = 0.5
            span.attributes["cached"] = true
            span.attributes["int32"] = Int32(7)
            span.attributes["list"] = ["a", "b"]
            span.updateAttributes { attributes in attributes["later"] = "x" }
            #expect(span.attributes["http.method"] == nil, "attributes are write-only")
        }
        let span = try #require(reporter.spans.first)
        #expect(span.tag("http.status_code") == .int(200))
        #expect(span.tag("http.method") == .string("GET"))
        #expect(span.tag("ratio") == .double(0.5))
        #expect(span.tag("cached") == .bool(true))
        #expect(span.tag("int32") == .int(7))
        #expect(span.tag("list") == .string("[a, b]"))
        #expect(span.tag("later") == .string("x"))
        #expect(span.tagCount("http.method") == 1, "each assignment records only what it assigns")
    }

    @Test func anEventBecomesALogAtItsInstant() throws {
        let (tracer, reporter) = makeBridge()
        let instant = DefaultTracerClock.Timestamp(nanosecondsSinceEpoch: 1_700_000_000_123_456_789)
        let span = tracer.startSpan("events", context: .topLevel)
        span.addEvent(SpanEvent(name: "cache-miss", at: instant, attributes: ["key": "user:42", "tries": 2]))
        span.end()
        let log = try #require(reporter.spans.first?.logs.first)
        #expect(log.timestampNanos == 1_700_000_000_123_456_789)
        #expect(log.fields.first == SpanLogField(key: "event", value: "cache-miss"))
        #expect(Set(log.fields.dropFirst()) == [SpanLogField(key: "key", value: "user:42"), SpanLogField(key: "tries", value: "2")])
    }

    @Test func aLinkBecomesAFollowsFromReference() throws {
        let (tracer, reporter) = makeBridge()
        let producer = tracer.startSpan("enqueue", context: .topLevel, ofKind: .producer)
        let consumer = tracer.startSpan("dequeue", context: .topLevel, ofKind: .consumer)
        consumer.addLink(producer)
        consumer.end()
        producer.end()
        let producerContext = try #require(reporter.spans.first { $0.operationName == "enqueue" }?.context)
        let references = try #require(reporter.spans.first { $0.operationName == "dequeue" }?.references)
        #expect(references == [SpanReference(kind: .followsFrom, traceID: producerContext.traceID, spanID: producerContext.spanID)])
    }

    @Test func startAndEndInstantsGiveTheSpansTimes() throws {
        let (tracer, reporter) = makeBridge()
        let start = DefaultTracerClock.Timestamp(nanosecondsSinceEpoch: 1_700_000_000_000_000_000)
        let end = DefaultTracerClock.Timestamp(nanosecondsSinceEpoch: 1_700_000_000_250_000_000)
        let span = tracer.startSpan("timed", context: .topLevel, at: start)
        span.end(at: end)
        span.end(at: end)  // a second end does nothing
        let finished = try #require(reporter.spans.first)
        #expect(reporter.spans.count == 1)
        #expect(finished.startTimeNanos == 1_700_000_000_000_000_000)
        #expect(finished.durationNanos == 250_000_000)
    }

    @Test func renamingASpanRenamesTheReportedOperation() throws {
        let (tracer, reporter) = makeBridge()
        let span = tracer.startSpan("HTTP GET", context: .topLevel, ofKind: .server)
        #expect(span.operationName == "HTTP GET")
        span.operationName = "/api/user/{id}"
        span.end()
        #expect(reporter.spans.first?.operationName == "/api/user/{id}")
    }

    @Test func unsampledSpansRecordNothingYetPropagateTheTrace() throws {
        let (tracer, reporter) = makeBridge(sampler: NeverSampler())
        var headers: [String: String] = [:]
        tracer.withSpan("root", context: .topLevel, ofKind: .server) { root in
            #expect(!root.isRecording)
            root.attributes["ignored"] = 1
            tracer.withSpan("child", ofKind: .client) { child in
                #expect(child.operationName == "child")
                headers = tracer.headers(for: child.context)
            }
        }
        #expect(reporter.spans.isEmpty)
        let remote = try SpanContext(parsing: try #require(headers["kratos-trace-id"]))
        #expect(!remote.isSampled)
        #expect(remote.spanID == remote.traceID, "the unsampled root's context is propagated")
    }

    @Test func theDepthGuardStopsRecordingPastSixtyFourLevels() {
        let (tracer, reporter) = makeBridge()
        func nest(_ depth: Int) {
            guard depth < 80 else { return }
            tracer.withSpan("level-\(depth)") { _ in nest(depth + 1) }
        }
        tracer.withSpan("root", context: .topLevel) { _ in nest(1) }
        #expect(reporter.spans.count == 65)
        #expect(reporter.spans.map(\.context.level).max() == 65)
    }

    @Test func flushReachesTheReporter() async {
        let (tracer, reporter) = makeBridge()
        tracer.withSpan("flushed", context: .topLevel) { _ in }
        let result = await tracer.flush(timeout: .seconds(1))
        #expect(result.dropped == 0)
        #expect(reporter.spans.count == 1)
        tracer.forceFlush()
    }
}

private enum RequestIDKey: ServiceContextKey {
    typealias Value = String
}
