import Dapper
import DapperTesting
import DapperTracing
import Instrumentation
import Testing
import Tracing

/// Dapper's own API and swift-distributed-tracing in one process see each other's spans.
@Suite struct DapperAPIInteropTests {
    @Test func insideABridgedSpanWithTraceMakesItsChild() throws {
        let (tracer, reporter) = makeBridge()
        tracer.withSpan("GET /order", context: .topLevel, ofKind: .server) { _ in
            withTrace("load order") { trace in _ = trace.setTag("order.id", 42) }
        }
        let spans = reporter.spans
        try #require(spans.count == 2)
        let (load, server) = (spans[0], spans[1])
        #expect(load.operationName == "load order")
        #expect(load.context.traceID == server.context.traceID)
        #expect(load.context.parentID == server.context.spanID)
        #expect(load.tag("order.id") == .int(42))
    }

    @Test func anUnsampledTraceDeeperThanTheLimitGivesANoOpChildThatInjectsNothing() {
        let deepest = UnsampledTrace(SpanContext(traceID: 1, spanID: 2, parentID: 0, flags: [], level: DapperSpan.maxLevel))
        let child = deepest.fork("", "call")
        #expect(child.context?.level == DapperSpan.maxLevel + 1)
        let refused = child.fork("", "too deep")
        #expect(refused.context == nil)
        #expect(refused.follow("", "still too deep").context == nil)
        var injected: [String] = []
        refused.visit { key, _ in injected.append(key) }
        #expect(injected.isEmpty)
    }

    @Test func insideABridgedSpanCurrentTraceIsThatSpan() throws {
        let (tracer, reporter) = makeBridge()
        tracer.withSpan("GET /order", context: .topLevel, ofKind: .server) { span in
            currentTrace?.setTag("tenant", "acme")
            #expect(currentTrace?.context == span.context.dapperSpanContext)
        }
        #expect(reporter.spans.first?.tag("tenant") == .string("acme"))
    }

    @Test func insideDapperAPIsSpanABridgedSpanIsItsChild() throws {
        let (tracer, reporter) = makeBridge()
        let root = tracer.tracer.new("consume")
        withCurrentTrace(root) {
            tracer.withSpan("INSERT audit", ofKind: .client) { _ in }
        }
        root.finish()
        let spans = reporter.spans
        try #require(spans.count == 2)
        let (insert, consume) = (spans[0], spans[1])
        #expect(insert.context.traceID == consume.context.traceID)
        #expect(insert.context.parentID == consume.context.spanID)
        #expect(insert.tag("span.kind") == .string("client"))
    }

    /// In an unsampled request Dapper's API still propagates the trace, unsampled, and
    /// records nothing.
    @Test func insideAnUnsampledBridgedSpanCurrentTracePropagatesTheTrace() throws {
        let (tracer, reporter) = makeBridge(sampler: NeverSampler())
        tracer.withSpan("GET /order", context: .topLevel, ofKind: .server) { span in
            let current = currentTrace
            #expect(current is UnsampledTrace)
            #expect(current?.context == span.context.dapperSpanContext)
            let call = current?.fork("", "redis.get")
            call?.setTag("db.type", "redis")
            var headers: [String: String] = [:]
            call?.visit { key, value in headers[key] = value }
            let sent = try? SpanContext(parsing: headers["kratos-trace-id"] ?? "")
            #expect(sent?.traceID == span.context.dapperSpanContext?.traceID)
            #expect(sent?.parentID == span.context.dapperSpanContext?.spanID)
            #expect(sent?.isSampled == false)
            call?.finish()
        }
        #expect(reporter.spans.isEmpty)
    }

    @Test func outsideAnySpanThereIsNoCurrentTrace() {
        _ = makeBridge()
        #expect(currentTrace == nil)
    }

    /// A task that outlives its request's span still continues the request's trace through
    /// Dapper's API: `withTrace` makes a recorded child, `injectTrace` propagates.
    @Test func inATaskThatOutlivesItsSpanDapperAPIContinuesTheTrace() async throws {
        let (tracer, reporter) = makeBridge()
        let (signal, continuation) = AsyncStream.makeStream(of: Void.self)
        let background = tracer.withSpan("request", context: .topLevel, ofKind: .server) { _ in
            Task { () -> [String: String] in
                for await _ in signal { break }
                var headers: [String: String] = [:]
                currentTrace?.visit { key, value in headers[key] = value }
                withTrace("audit") { trace in _ = trace.setTag("late", true) }
                return headers
            }
        }
        continuation.yield()
        let headers = await background.value
        let spans = reporter.spans
        let request = try #require(spans.first { $0.operationName == "request" })
        let audit = try #require(spans.first { $0.operationName == "audit" })
        #expect(audit.context.parentID == request.context.spanID)
        #expect(audit.tag("late") == .bool(true))
        let sent = try SpanContext(parsing: try #require(headers["kratos-trace-id"]))
        #expect(sent.traceID == request.context.traceID && sent.spanID == request.context.spanID)
    }

    /// When Dapper's span refuses more children (Compatibility §3's 1024), a bridged span inside it
    /// still propagates its trace.
    @Test func aRefusedChildOfDapperAPIsSpanStillPropagatesItsTrace() throws {
        let (tracer, _) = makeBridge()
        let root = tracer.tracer.new("consume")
        for _ in 0...DapperSpan.maxChildren { root.fork("", "message").finish() }
        let headers = withCurrentTrace(root) {
            tracer.withSpan("GET /user", ofKind: .client) { span in
                #expect(!span.isRecording)
                return tracer.headers(for: span.context)
            }
        }
        let sent = try SpanContext(parsing: try #require(headers["kratos-trace-id"]))
        #expect(sent.traceID == root.context?.traceID)
        root.finish()
    }

    /// A server span inside a long-lived `withCurrentTrace` (a server run inside one) starts
    /// its own trace: a request is not part of the trace that started the server.
    @Test func aServerSpanDoesNotJoinDapperAPIsCurrentTrace() throws {
        let (tracer, reporter) = makeBridge()
        let main = tracer.tracer.new("main")
        withCurrentTrace(main) {
            tracer.withSpan("GET /", ofKind: .server) { _ in }
        }
        main.finish()
        let server = try #require(reporter.spans.first { $0.operationName == "GET /" })
        #expect(server.context.parentID == 0)
        #expect(server.context.traceID != main.contextEvenIfFinished?.traceID)
    }

    /// Between extracting a B3 context without a decision and the first span, there is nothing
    /// for Dapper's API to continue: it does not decide "unsampled" for the sampler.
    @Test func aContextWaitingForItsSamplingDecisionIsNoCurrentTrace() {
        let (tracer, _) = makeBridge(propagation: .b3)
        let incoming = tracer.context(from: ["b3": "80f198ee56343ba8-e457b5a2e4d86bd1"])
        ServiceContext.withValue(incoming) {
            #expect(currentTrace == nil)
        }
    }
}
