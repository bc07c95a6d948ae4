import Dapper
import DapperHummingbird
import DapperTesting
import DapperTracing
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import Tracing

/// Hummingbird's `TracingMiddleware` with Dapper's middlewares, through Hummingbird's router
/// test framework (the real responder chain, no network), each test with its own bridge
/// bound by `withTracer`.
@Suite struct HummingbirdTracingTests {
    @Test func everyAnswerEchoesTheServerSpansContextInKratosTraceID() async throws {
        let (responses, spans) = try await serve(["/users/1", "/users/404", "/users/500", "/users/boom"])
        try #require(spans.count == 4)
        #expect(responses.map(\.status.code) == [200, 404, 500, 500])
        for (response, span) in zip(responses, spans) {
            let header = try #require(response.headers[kratosTraceID], "\(response.status)")
            let echoed = try SpanContext(parsing: header)
            #expect(echoed.propagated == span.context.propagated)
        }
    }

    @Test func theServerSpanIsNamedAfterTheRouteAndCarriesTheStatus() async throws {
        let (_, spans) = try await serve(["/users/1", "/users/404"])
        try #require(spans.count == 2)
        #expect(spans.allSatisfy { $0.operationName == "/users/{id}" })
        #expect(spans.allSatisfy { $0.tag("span.kind") == .string("server") })
        #expect(spans.map { $0.tag("http.response.status_code") } == [.int(200), .int(404)])
    }

    /// A route's error that is not an `HTTPResponseError` answers 500, as without the
    /// middleware, and the span shows the route's own error, not the wrapper.
    @Test func aPlainErrorAnswers500AndTheSpanShowsItsMessage() async throws {
        let (responses, spans) = try await serve(["/users/boom"])
        #expect(responses.first?.status == .internalServerError)
        let span = try #require(spans.first)
        #expect(span.tag("error") == .bool(true))
        #expect(span.logs.flatMap(\.fields).contains { $0.key == "message" && $0.value == "the disk is on fire" })
    }

    /// The header's wrapper does not hide what spans log of the route's error: a stack trace
    /// stays.
    @Test func aRoutesStackTraceIsStillLoggedThroughTheWrapper() async throws {
        let (responses, spans) = try await serve(["/users/stack"])
        #expect(responses.first?.status == .internalServerError)
        let fields = try #require(spans.first).logs.flatMap(\.fields)
        #expect(fields.contains(SpanLogField(key: "message", value: "lost the disk")))
        #expect(fields.contains(SpanLogField(key: "stack", value: "frame 0: write")))
    }

    /// With `answersErrors`, only a 5xx marks the server span as an error: a 404 is an answer.
    @Test func answeringErrorsMarksOnlyServerErrors() async throws {
        let (responses, spans) = try await serve(["/users/404", "/users/500", "/users/boom"], answersErrors: true)
        #expect(responses.map(\.status.code) == [404, 500, 500])
        #expect(responses.allSatisfy { $0.headers[kratosTraceID] != nil })
        try #require(spans.count == 3)
        #expect(spans[0].tag("error") == nil)
        #expect(spans[1].tag("error") == .bool(true))
        #expect(spans[2].tag("error") == .bool(true))
    }

    /// A request from a Go service (the Go original's context strings) is continued: the
    /// answer's `kratos-trace-id` is in its trace, with its span as the parent.
    @Test(arguments: ["7b2a1c3d4e5f6071:1122334455667788:7b2a1c3d4e5f6071:1", "3e8:7d0:3e8:1", "1:1:0:0"])
    func aGoCallersTraceIsContinuedAndEchoed(_ incoming: String) async throws {
        let remote = try SpanContext(parsing: incoming)
        let (responses, spans) = try await serve(["/users/1"], headers: [kratosTraceID: incoming])
        let echoed = try SpanContext(parsing: try #require(responses.first?.headers[kratosTraceID]))
        #expect(echoed.traceID == remote.traceID)
        #expect(echoed.parentID == remote.spanID || !remote.isSampled)
        #expect(echoed.isSampled == remote.isSampled)
        #expect(spans.count == (remote.isSampled ? 1 : 0))
        if let span = spans.first { #expect(span.context.parentID == remote.spanID) }
    }

    @Test func theSelectedTracerReportsTheServerSpansAndTheirChildren() async throws {
        let reporter = InMemoryReporter()
        let selected = DapperTracer(serviceName: "order", reporter: reporter, sampler: AlwaysSampler(), defaultTags: [])
        let (_, bridgeSpans) = try await serve(["/users/1"], selecting: selected)
        #expect(bridgeSpans.isEmpty)
        let spans = reporter.spans
        #expect(spans.map(\.serviceName) == ["order", "order"])
        #expect(Set(spans.map(\.operationName)) == ["/users/{id}", "load user"])
    }

    // MARK: Support

    private let kratosTraceID = HTTPField.Name("kratos-trace-id")!

    /// Serves `paths`, one GET each, from a router traced by a fresh sampled bridge; returns
    /// the responses and the spans the bridge's tracer reported, in request order.
    private func serve(
        _ paths: [String], headers: HTTPFields = [:], answersErrors: Bool = false, selecting tracer: DapperTracer? = nil
    ) async throws -> ([TestResponse], [FinishedSpan]) {
        let reporter = InMemoryReporter()
        let bridge = DapperDistributedTracer(
            DapperTracer(serviceName: "svc", reporter: reporter, sampler: AlwaysSampler(), defaultTags: []))
        let router = Router()
        if let tracer { router.add(middleware: TracerSelectionMiddleware(tracer: tracer)) }
        router.add(middleware: TracingMiddleware())
        router.add(middleware: TraceIDResponseMiddleware(answersErrors: answersErrors))
        router.get("/users/:id") { _, context -> String in
            let id = try context.parameters.require("id")
            return try withSpan("load user", ofKind: .client) { _ in
                switch id {
                case "404": throw HTTPError(.notFound, message: "no user \(id)")
                case "500": throw HTTPError(.internalServerError, message: "database down")
                case "boom": throw Boom()
                case "stack": throw Traced()
                default: return "user \(id)"
                }
            }
        }
        let app = Application(router: router)
        let responses = try await withTracer(bridge) {
            try await app.test(.router) { client in
                var responses: [TestResponse] = []
                for path in paths { responses.append(try await client.execute(uri: path, method: .get, headers: headers)) }
                return responses
            }
        }
        return (responses, reporter.spans.filter { $0.tag("span.kind") == .string("server") })
    }
}

struct Boom: Error, CustomStringConvertible {
    var description: String { "the disk is on fire" }
}

struct Traced: Error, CustomStringConvertible, StackTraceCarryingError {
    var description: String { "lost the disk" }
    var stackTrace: String { "frame 0: write" }
}

extension FinishedSpan {
    func tag(_ key: String) -> SpanTagValue? { tags.last { $0.key == key }?.value }
}

extension SpanContext {
    /// What travels in `kratos-trace-id`.
    var propagated: [UInt64] { [traceID, spanID, parentID, UInt64(flags.rawValue)] }
}
