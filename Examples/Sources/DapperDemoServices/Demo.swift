import AsyncHTTPClient
import Dapper
import DapperAgent
import DapperGRPC
import DapperOTLP
import DapperZipkin
import GRPCCore
import GRPCNIOTransportHTTP2
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The demo: three services in one process on 127.0.0.1, traced through swift-distributed-
/// tracing into Dapper, reporting span.proto through the agent reporter to a collector on a
/// temporary socket, as Kratos services do.
///
/// `gateway` (Hummingbird) calls `user` over gRPC and `order` over HTTP (AsyncHTTPClient);
/// `order` calls `stock`, a service written as a Kratos v1 (Go) service is, over HTTP. A driver
/// sends requests to the gateway, some carrying a `kratos-trace-id` as a Kratos v1 service
/// would send it, one a `traceparent` with a 128-bit trace ID as a Kratos v2 (OpenTelemetry)
/// service would, some failing on purpose; then each trace the collector received is printed
/// as a tree.
public enum Demo {
    /// What to run.
    public struct Options: Sendable {
        /// How many requests the driver sends to the gateway.
        public var requests = 24
        /// Also forward every collected span to this Zipkin endpoint.
        public var zipkin: ZipkinConfiguration?
        /// Also forward every collected span to this OTLP receiver.
        public var otlp: OTLPExporterConfiguration?

        /// Creates the default options.
        public init() {}
    }

    /// One request the driver sent and what the gateway answered.
    public struct Exchange: Sendable {
        /// The gateway path.
        public var path: String
        /// The `kratos-trace-id` the request arrived with (made as the Go original makes it).
        public var incomingTraceHeader: String?
        /// The `traceparent` the request arrived with (as a Kratos v2 service sends it).
        public var incomingTraceparent: String?
        /// The HTTP status of the answer.
        public var status: Int
        /// The answer's `kratos-trace-id` header.
        public var responseTraceHeader: String?
    }

    /// What a run produced.
    public struct Outcome: Sendable {
        /// The requests and their answers.
        public var exchanges: [Exchange]
        /// Every span the collector received.
        public var spans: [FinishedSpan]
        /// The agent reporter's figures.
        public var reporterStatistics: ReporterStatistics
        /// What the Zipkin forwarder delivered and dropped, if there was one.
        public var zipkin: ReporterStatistics?
        /// What the OTLP forwarder delivered and dropped, if there was one.
        public var otlp: ReporterStatistics?

        /// The collected traces as trees, then the summary lines.
        public var report: String {
            let failed = exchanges.filter { $0.status >= 400 }.count
            let unsampled = exchanges.filter { $0.incomingTraceHeader?.hasSuffix(":0") == true }.count
            var text = TraceTreePrinter.render(spans)
            text += "\(exchanges.count) requests to the gateway (\(failed) failed on purpose; \(unsampled) arrived unsampled "
                + "from upstream, not recorded); \(reporterStatistics.delivered) spans delivered to the agent as span.proto, "
                + "\(reporterStatistics.totalDropped) dropped\n"
            if let zipkin { text += "zipkin: \(zipkin.delivered) spans delivered, \(zipkin.totalDropped) dropped\n" }
            if let otlp { text += "otlp: \(otlp.delivered) spans delivered, \(otlp.totalDropped) dropped\n" }
            return text
        }
    }

    /// Runs the demo and returns what it collected.
    public static func run(_ options: Options = Options()) async throws -> Outcome {
        DemoTracing.bootstrap()
        let collector = try DemoCollector(zipkin: options.zipkin, otlp: options.otlp)
        let reporter = try AgentReporter(dsn: collector.dsn)
        func tracer(_ name: String) -> DapperTracer {
            DapperTracer(serviceName: name, reporter: reporter, sampler: .always, defaultTags: [SpanTag(key: "region", value: "demo")])
        }
        let (gatewayTracer, userTracer, orderTracer, stockTracer) = (tracer("gateway"), tracer("user"), tracer("order"), tracer("stock"))
        var quiet = Logger(label: "dapper.demo")
        quiet.logLevel = .error

        let exchanges: [Exchange] = try await withThrowingTaskGroup(of: Void.self) { group in
            // user: gRPC
            let userServer = GRPCServer(
                transport: .http2NIOPosix(address: .ipv4(host: "127.0.0.1", port: 0), transportSecurity: .plaintext),
                services: [UserService()],
                interceptors: [ServerTracingInterceptor(tracer: userTracer)]
            )
            group.addTask { try await userServer.serve() }
            guard let userPort = try await userServer.listeningAddress?.ipv4?.port else {
                throw DemoError.serverDidNotStart("user")
            }
            let users = GRPCClient(
                transport: try .http2NIOPosix(target: .ipv4(address: "127.0.0.1", port: userPort), transportSecurity: .plaintext),
                interceptors: [ClientTracingInterceptor()]
            )
            group.addTask { try await users.runConnections() }

            // order and gateway: HTTP
            let apps = ApplicationGroup(logger: quiet)
            let stockPort = try await apps.start("stock", StockService.router(tracer: stockTracer))
            // Made after the bootstrap: AsyncHTTPClient takes the tracer when it is configured.
            let orders = HTTPClient(eventLoopGroupProvider: .singleton)
            let orderPort = try await apps.start(
                "order", OrderService.router(tracer: orderTracer, stock: orders, stockBaseURL: "http://127.0.0.1:\(stockPort)"))
            let gatewayPort = try await apps.start(
                "gateway",
                Gateway.router(tracer: gatewayTracer, users: users, orders: orders, orderBaseURL: "http://127.0.0.1:\(orderPort)")
            )
            group.addTask { try await apps.run() }

            var driverConfiguration = HTTPClient.Configuration()
            driverConfiguration.tracing.tracer = nil  // the driver plays a client outside the trace
            let driver = HTTPClient(eventLoopGroupProvider: .singleton, configuration: driverConfiguration)
            var exchanges: [Exchange] = []
            for index in 1...max(1, options.requests) {
                exchanges.append(try await send(request(index), to: gatewayPort, with: driver))
            }

            try await driver.shutdown()
            try await orders.shutdown()
            users.beginGracefulShutdown()
            userServer.beginGracefulShutdown()
            await apps.stop()
            try await group.waitForAll()
            return exchanges
        }

        _ = await gatewayTracer.close(timeout: .seconds(5))  // the three tracers share the reporter
        let statistics = reporter.statistics
        let spans = await collector.waitForSpans(statistics.delivered, timeout: .seconds(5))
        let forwarded = await collector.stop()
        return Outcome(exchanges: exchanges, spans: spans, reporterStatistics: statistics, zipkin: forwarded.zipkin, otlp: forwarded.otlp)
    }

    /// The `traceparent` of the request that arrives as a Kratos v2 service sends it: the
    /// trace ID of the W3C specification's example, 128 bits with a non-zero high half.
    public static let kratosV2Traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    /// One request of the driver.
    struct Request {
        var path: String
        var traceHeader: String?
        var traceparent: String?
    }

    /// The driver's request `index`: every sixth reads an event stream, the others an order;
    /// every fourth arrives with a Kratos v1 service's `kratos-trace-id`, one of them
    /// unsampled; the seventh with a Kratos v2 service's `traceparent`.
    static func request(_ index: Int) -> Request {
        let path = index % 6 == 0 ? "/api/user/\(index)/events" : "/api/order/\(index)"
        if index == 7 { return Request(path: path, traceparent: kratosV2Traceparent) }
        guard index % 4 == 1 else { return Request(path: path) }
        let traceID = String(0x7b2a_1c3d_4e5f_6000 + UInt64(index), radix: 16)
        let flags = index == 5 ? 0 : 1
        return Request(path: path, traceHeader: "\(traceID):\(String(0x1000 + index, radix: 16)):0:\(flags)")
    }

    private static func send(_ request: Request, to port: Int, with client: HTTPClient) async throws -> Exchange {
        var outgoing = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(request.path)")
        if let header = request.traceHeader { outgoing.headers.add(name: Propagation.kratosTraceIDKey, value: header) }
        if let traceparent = request.traceparent { outgoing.headers.add(name: "traceparent", value: traceparent) }
        let response = try await client.execute(outgoing, timeout: .seconds(10))
        _ = try await response.body.collect(upTo: 64 * 1024)
        return Exchange(
            path: request.path, incomingTraceHeader: request.traceHeader, incomingTraceparent: request.traceparent,
            status: Int(response.status.code), responseTraceHeader: response.headers.first(name: Propagation.kratosTraceIDKey))
    }
}
