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
}
