import Dapper
import DapperDemoServices
import Foundation
import Testing

/// The demo's services over real loopback HTTP and gRPC, collected by the real agent: one
/// run, several questions about what it collected. Serialized: the run binds ports and
/// bootstraps the process-wide tracer once.
@Suite(.serialized) struct DemoEndToEndTests {
    /// The run, started by the first test that asks for it and shared by all.
    static let outcome = Task {
        var options = Demo.Options()
        options.requests = 24
        return try await Demo.run(options)
    }

    func run() async throws -> Demo.Outcome { try await Self.outcome.value }

    /// The spans of the trace that contains `span`.
    func trace(of span: FinishedSpan, in spans: [FinishedSpan]) -> [FinishedSpan] {
        spans.filter { $0.context.traceID == span.context.traceID }
    }

    @Test func oneOrderRequestIsOneTraceAcrossGatewayUserAndOrder() async throws {
        let outcome = try await run()
        // /api/order/2: no incoming header, both calls succeed.
        let exchange = try #require(outcome.exchanges.first { $0.path == "/api/order/2" })
        #expect(exchange.status == 200)
        let header = try #require(exchange.responseTraceHeader)
        let traceID = try SpanContext(parsing: header).traceID
        let spans = outcome.spans.filter { $0.context.traceID == traceID }
        let byID = Dictionary(spans.map { ($0.context.spanID, $0) }, uniquingKeysWith: { first, _ in first })
        func parent(_ span: FinishedSpan) -> FinishedSpan? { byID[span.context.parentID] }

        let gateway = try #require(spans.first { $0.serviceName == "gateway" && $0.kind == "server" })
        #expect(gateway.operationName == "/api/order/{id}")
        #expect(gateway.context.parentID == 0)
        let grpcClient = try #require(spans.first { $0.operationName == "demo.UserService/GetUser" && $0.kind == "client" })
        let userServer = try #require(spans.first { $0.serviceName == "user" && $0.kind == "server" })
        let httpClient = try #require(spans.first { $0.serviceName == "gateway" && $0.operationName == "GET" && $0.kind == "client" })
        let orderServer = try #require(spans.first { $0.serviceName == "order" && $0.kind == "server" })
        let query = try #require(spans.first { $0.operationName == "SELECT orders" })
        let cache = try #require(spans.first { $0.operationName.hasPrefix("cache.get") })
        let stockClient = try #require(spans.first { $0.serviceName == "order" && $0.operationName == "GET" && $0.kind == "client" })
        let stockServer = try #require(spans.first { $0.serviceName == "stock" && $0.operationName == "/stock/{id}" })
        let stockCache = try #require(spans.first { $0.serviceName == "stock" && $0.operationName == "redis.get stock:2" })

        #expect(grpcClient.serviceName == "gateway" && parent(grpcClient) == gateway)
        #expect(parent(userServer) == grpcClient)
        #expect(userServer.operationName == "demo.UserService/GetUser")
        #expect(userServer.tag("rpc.grpc.status_code") == .int(0))
        #expect(userServer.tag("rpc.system") == .string("grpc"))
        #expect(parent(cache) == userServer && cache.serviceName == "user")
        #expect(parent(httpClient) == gateway)
        #expect(parent(orderServer) == httpClient)
        #expect(orderServer.operationName == "/orders/{id}")
        #expect(parent(query) == orderServer && query.serviceName == "order")
        #expect(parent(stockClient) == orderServer)
        #expect(parent(stockServer) == stockClient && stockServer.kind == "server")
        #expect(parent(stockCache) == stockServer && stockCache.kind == "client")
        #expect(spans.count == 10)
        #expect(spans.allSatisfy { $0.tag("error") == nil })
    }

    @Test func everyResponseEchoesItsTraceInKratosTraceID() async throws {
        let outcome = try await run()
        for exchange in outcome.exchanges {
            let header = try #require(exchange.responseTraceHeader, "\(exchange.path)")
            #expect((try? SpanContext(parsing: header)) != nil, "\(header)")
        }
    }

    @Test func aRequestFromAGoServiceContinuesItsTrace() async throws {
        let outcome = try await run()
        // /api/order/1 arrives with 7b2a1c3d4e5f6001:1001:0:1.
        let exchange = try #require(outcome.exchanges.first { $0.path == "/api/order/1" })
        let incoming = try SpanContext(parsing: try #require(exchange.incomingTraceHeader))
        let gateway = try #require(outcome.spans.first { $0.serviceName == "gateway" && $0.kind == "server" && $0.context.traceID == incoming.traceID })
        #expect(gateway.context.parentID == incoming.spanID)
        #expect(trace(of: gateway, in: outcome.spans).count == 10)
    }

    @Test func aKratosV2RequestStaysOneTraceAcrossSwiftAndAV1Hop() async throws {
        let outcome = try await run()
        // /api/order/7 arrives with traceparent 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01.
        let exchange = try #require(outcome.exchanges.first { $0.path == "/api/order/7" })
        #expect(exchange.incomingTraceparent == Demo.kratosV2Traceparent)
        #expect(exchange.status == 200)
        let spans = outcome.spans.filter { $0.context.traceID == 0xa3ce_929d_0e0e_4736 }
        #expect(spans.count == 10)
        let gateway = try #require(spans.first { $0.serviceName == "gateway" && $0.kind == "server" })
        #expect(gateway.context.parentID == 0x00f0_67aa_0ba9_02b7)
        // The Swift services keep the 128-bit ID whole, through span.proto to the agent; the
        // v1-style hop, which reads only kratos-trace-id, has its low 64 bits.
        for span in spans where span.serviceName != "stock" {
            #expect(span.context.traceIDHigh == 0x4bf9_2f35_77b3_4da6, "\(span.serviceName) \(span.operationName)")
        }
        let stock = spans.filter { $0.serviceName == "stock" }
        #expect(stock.count == 2 && stock.allSatisfy { $0.context.traceIDHigh == 0 })
        let echoed = try SpanContext(parsing: try #require(exchange.responseTraceHeader))
        #expect(echoed.traceID == 0xa3ce_929d_0e0e_4736)
        #expect(outcome.report.contains("trace 4bf92f3577b34da6a3ce929d0e0e4736 (10 spans)"))
    }

    @Test func anUnsampledUpstreamIsHonoured() async throws {
        let outcome = try await run()
        let exchange = try #require(outcome.exchanges.first { $0.path == "/api/order/5" })
        let incoming = try SpanContext(parsing: try #require(exchange.incomingTraceHeader))
        #expect(!incoming.isSampled)
        #expect(exchange.status == 200)
        #expect(!outcome.spans.contains { $0.context.traceID == incoming.traceID })
        let echoed = try SpanContext(parsing: try #require(exchange.responseTraceHeader))
        #expect(echoed.traceID == incoming.traceID && !echoed.isSampled)
    }

    @Test func aFailingGRPCCallIsAnErrorOnBothSides() async throws {
        let outcome = try await run()
        // User 3 does not exist: NOT_FOUND from the user service, 404 from the gateway.
        let exchange = try #require(outcome.exchanges.first { $0.path == "/api/order/3" })
        #expect(exchange.status == 404)
        let traceID = try SpanContext(parsing: try #require(exchange.responseTraceHeader)).traceID
        let spans = outcome.spans.filter { $0.context.traceID == traceID }
        let userServer = try #require(spans.first { $0.serviceName == "user" && $0.kind == "server" })
        let grpcClient = try #require(spans.first { $0.operationName == "demo.UserService/GetUser" && $0.kind == "client" })
        for span in [userServer, grpcClient] {
            #expect(span.tag("error") == .bool(true))
            #expect(span.tag("rpc.grpc.status_code") == .int(5))
            #expect(span.logs.flatMap(\.fields).contains { $0.key == "message" && $0.value.contains("user 3 not found") })
        }
    }

    @Test func aFailingHTTPCallIsAnErrorOnBothSides() async throws {
        let outcome = try await run()
        let exchange = try #require(outcome.exchanges.first { $0.path == "/api/order/4" })
        #expect(exchange.status == 502)
        let traceID = try SpanContext(parsing: try #require(exchange.responseTraceHeader)).traceID
        let spans = outcome.spans.filter { $0.context.traceID == traceID }
        let orderServer = try #require(spans.first { $0.serviceName == "order" && $0.kind == "server" })
        #expect(orderServer.tag("error") == .bool(true))
        let gateway = try #require(spans.first { $0.serviceName == "gateway" && $0.kind == "server" })
        #expect(gateway.tag("error") == .bool(true))
        #expect(gateway.tag("http.response.status_code") == .int(502))
        #expect(orderServer.tag("http.response.status_code") == .int(500))
        let query = try #require(spans.first { $0.operationName == "SELECT orders" })
        #expect(query.logs.flatMap(\.fields).contains { $0.value.contains("inventory unavailable") })
    }

    @Test func aStreamingCallIsTracedForTheLifeOfTheStream() async throws {
        let outcome = try await run()
        let exchange = try #require(outcome.exchanges.first { $0.path == "/api/user/6/events" })
        #expect(exchange.status == 200)
        let traceID = try SpanContext(parsing: try #require(exchange.responseTraceHeader)).traceID
        let spans = outcome.spans.filter { $0.context.traceID == traceID }
        let server = try #require(spans.first { $0.serviceName == "user" && $0.operationName == "demo.UserService/WatchUser" })
        let client = try #require(spans.first { $0.serviceName == "gateway" && $0.operationName == "demo.UserService/WatchUser" })
        // Three events 1 ms apart are written after the handler has returned the stream.
        #expect(server.durationNanos >= 3_000_000)
        #expect(client.durationNanos >= server.durationNanos)
        #expect(server.tag("rpc.grpc.status_code") == .int(0) && client.tag("rpc.grpc.status_code") == .int(0))
        #expect(server.context.parentID == client.context.spanID)
    }

    @Test func nothingIsLostOnTheWayToTheAgent() async throws {
        let outcome = try await run()
        #expect(outcome.reporterStatistics.totalDropped == 0)
        #expect(outcome.spans.count == outcome.reporterStatistics.delivered)
        #expect(outcome.report.contains("24 requests to the gateway"))
    }

    /// `dapper-demo`, the README's main command, as a user runs it.
    @Test func theDemoExecutablePrintsTheCollectedTraces() async throws {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let executable = try #require(
            [directory, directory.deletingLastPathComponent()].map { $0.appendingPathComponent("dapper-demo") }
                .first { FileManager.default.isExecutableFile(atPath: $0.path) },
            "the dapper-demo executable is not built beside the tests")
        let process = Process()
        process.executableURL = executable
        process.arguments = ["--requests", "12"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let text = await outputToTheEnd(of: process, from: output)
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("12 requests to the gateway (3 failed on purpose; 1 arrived unsampled"), "\(text)")
        #expect(text.contains(", 0 dropped"), "\(text)")
        #expect(text.contains("gateway /api/order/{id} [server]"), "\(text)")
        #expect(text.contains("user demo.UserService/GetUser [server]"), "\(text)")
        #expect(text.contains("trace 4bf92f3577b34da6a3ce929d0e0e4736 (10 spans)"), "\(text)")
        #expect(text.contains("stock /stock/{id} [server]") && text.contains("(64-bit trace ID)"), "\(text)")
        #expect(text.contains("ERROR: notFound: \"user 3 not found\""), "\(text)")
    }
}

/// What `process` writes to `pipe` until it exits, read on a thread of its own: the demo runs
/// for seconds, and a blocking read on one of the few threads of Swift's cooperative pool
/// would hold up every other test's tasks meanwhile.
private func outputToTheEnd(of process: Process, from pipe: Pipe) async -> String {
    let handle = pipe.fileHandleForReading
    return await withCheckedContinuation { continuation in
        Thread {
            let data = handle.readDataToEndOfFile()
            process.waitUntilExit()
            continuation.resume(returning: String(decoding: data, as: UTF8.self))
        }.start()
    }
}
