import Dapper
import DapperTesting
import DapperTracing
import Foundation
import GRPCCore
import GRPCInProcessTransport
import Instrumentation
import Testing
import Tracing

@testable import DapperGRPC

/// The interceptors over grpc-swift-2's in-process transport (the real client and server
/// executors, no network), each test with its own bridge bound by `withTracer`.
@Suite struct GRPCTracingTests {
    @Test func aUnaryCallIsOneTraceAcrossClientAndServer() async throws {
        let spans = try await traced { client in
            let reply = try await client.call(EchoService.get, "ada")
            #expect(reply == "hello ada")
        }
        try #require(spans.count == 2)
        let server = try #require(spans.first { $0.kind == "server" })
        let client = try #require(spans.first { $0.kind == "client" })
        #expect(server.context.traceID == client.context.traceID)
        #expect(server.context.parentID == client.context.spanID)
        for span in [server, client] {
            #expect(span.operationName == "test.Echo/Get")
            #expect(span.tag("rpc.system") == .string("grpc"))
            #expect(span.tag("rpc.service") == .string("test.Echo"))
            #expect(span.tag("rpc.method") == .string("Get"))
            #expect(span.tag("rpc.grpc.status_code") == .int(0))
            #expect(span.tag("error") == nil)
        }
    }

    /// The status code on both spans is the one gRPC sends: an `RPCError`'s, an
    /// `RPCErrorConvertible`'s, else UNKNOWN.
    @Test(arguments: [("missing", 5), ("denied", 7), ("plain", 2)])
    func aFailedCallMarksBothSpansWithItsStatusCode(_ name: String, _ code: Int) async throws {
        let spans = try await traced { client in
            await #expect(throws: RPCError.self) { try await client.call(EchoService.get, name) }
        }
        try #require(spans.count == 2)
        for span in spans {
            #expect(span.tag("rpc.grpc.status_code") == .int(Int64(code)), "\(span.kind ?? "")")
            #expect(span.tag("error") == .bool(true))
            #expect(span.logs.contains { $0.fields.contains { $0.key == "message" } })
        }
    }

    /// A streaming response is traced to its last message, not to the handler's return.
    @Test func aServerStreamingSpanLastsUntilTheLastMessage() async throws {
        let spans = try await traced { client in
            let messages = try await client.stream(EchoService.count, "3")
            #expect(messages == ["0", "1", "2"])
        }
        try #require(spans.count == 2)
        let server = try #require(spans.first { $0.kind == "server" })
        // The producer sleeps 20 ms before each of its 3 messages.
        #expect(server.durationNanos >= 60_000_000)
        #expect(spans.allSatisfy { $0.tag("rpc.grpc.status_code") == .int(0) })
    }

    @Test func clientStreamingAndBidirectionalCallsEndWithTheirStatus() async throws {
        let spans = try await traced { client in
            let total = try await client.clientStreaming(
                request: StreamingClientRequest(of: String.self) { writer in
                    for word in ["a", "bb", "ccc"] { try await writer.write(word) }
                },
                descriptor: EchoService.sum, serializer: UTF8Coder(), deserializer: UTF8Coder(), options: .defaults
            ) { try $0.message }
            #expect(total == "6")
            let echoed = try await client.bidirectionalStreaming(
                request: StreamingClientRequest(of: String.self) { writer in
                    for word in ["x", "y"] { try await writer.write(word) }
                },
                descriptor: EchoService.chat, serializer: UTF8Coder(), deserializer: UTF8Coder(), options: .defaults
            ) { response in try await response.messages.reduce(into: []) { $0.append($1) } }
            #expect(echoed == ["x!", "y!"])
        }
        #expect(spans.count == 4)
        #expect(Set(spans.map(\.operationName)) == ["test.Echo/Sum", "test.Echo/Chat"])
        #expect(spans.allSatisfy { $0.tag("rpc.grpc.status_code") == .int(0) && $0.tag("error") == nil })
    }

    /// A caller that breaks out of a stream still gets its client span, marked abandoned.
    @Test func aClientThatStopsReadingAStreamEndsItsSpan() async throws {
        let spans = try await traced { client in
            let first = try await client.serverStreaming(
                request: ClientRequest(message: "1000"),
                descriptor: EchoService.count, serializer: UTF8Coder(), deserializer: UTF8Coder(), options: .defaults
            ) { response -> String? in
                for try await message in response.messages { return message }
                return nil
            }
            #expect(first == "0")
        }
        let client = try #require(spans.first { $0.kind == "client" })
        #expect(client.tag("rpc.grpc.response_abandoned") == .bool(true))
        #expect(client.tag("error") == nil)
        #expect(client.tag("rpc.grpc.status_code") == nil)
        // The server's stream fails when the client goes: its span ends too.
        #expect(spans.contains { $0.kind == "server" })
    }

    /// gRPC may drop a response without running its producer (the stream failed first): the
    /// server span still ends, as an error.
    @Test func aServerRPCDroppedBeforeItsResponseEndsItsSpanAsAnError() throws {
        let (bridge, reporter) = makeBridge()
        do {
            _ = RPCSpan(bridge.startAnySpan("test.Echo/Get", context: .topLevel, ofKind: .server), side: .server)
        }
        let span = try #require(reporter.spans.first)
        #expect(span.tag("error") == .bool(true))
        #expect(span.tag("rpc.grpc.status_code") == .int(2))
        #expect(span.logs.flatMap(\.fields).contains { $0.value.contains("before its response was sent") })
    }

    @Test func anRPCSpanEndsOnce() throws {
        let (bridge, reporter) = makeBridge()
        do {
            let rpc = RPCSpan(bridge.startAnySpan("test.Echo/Get", context: .topLevel, ofKind: .client), side: .client)
            rpc.end(with: nil)
            rpc.end(with: RPCError(code: .internalError, message: "late"))
        }
        try #require(reporter.spans.count == 1)
        #expect(reporter.spans[0].tag("error") == nil)
        #expect(reporter.spans[0].tag("rpc.grpc.response_abandoned") == nil)
    }

    /// A Go service's `kratos-trace-id` metadata (the Go original's own context strings) is
    /// continued by the server: same trace, the remote span as parent, its sampled flag.
    @Test(arguments: ["7b2a1c3d4e5f6071:1122334455667788:7b2a1c3d4e5f6071:1", "3e8:7d0:3e8:1", "1:1:0:0", "4d:4d:0:2"])
    func aGoCallersKratosTraceIDIsContinued(_ contextString: String) async throws {
        let remote = try SpanContext(parsing: contextString)
        let spans = try await traced(clientIntercepted: false) { client in
            var metadata = Metadata()
            metadata.addString(contextString, forKey: "kratos-trace-id")
            _ = try await client.call(EchoService.get, "go", metadata: metadata)
        }
        let isRecorded = remote.isSampled || remote.isDebug
        #expect(spans.count == (isRecorded ? 1 : 0))
        if let server = spans.first {
            #expect(server.context.traceID == remote.traceID)
            #expect(server.context.parentID == remote.spanID)
            #expect(server.context.flags == remote.flags)
        }
    }

    @Test func theClientWritesKratosTraceIDThatTheGoRulesParse() async throws {
        let spans = try await traced { client in
            let seen = try await client.call(EchoService.metadata, "kratos-trace-id")
            let context = try SpanContext(parsing: seen)
            #expect(context.isSampled)
        }
        let client = try #require(spans.first { $0.kind == "client" })
        let server = try #require(spans.first { $0.kind == "server" })
        #expect(server.context.parentID == client.context.spanID)
    }

    // MARK: Support

    /// Runs `body` against an `EchoService` over the in-process transport, both sides traced
    /// by a fresh sampled bridge; returns the spans reported, in order.
    func traced(
        clientIntercepted: Bool = true, _ body: @Sendable (GRPCClient<InProcessTransport.Client>) async throws -> Void
    ) async throws -> [FinishedSpan] {
        let (bridge, reporter) = makeBridge()
        try await withTracer(bridge) {
            let transport = InProcessTransport()
            try await withGRPCServer(
                transport: transport.server, services: [EchoService()], interceptors: [ServerTracingInterceptor()]
            ) { _ in
                try await withGRPCClient(
                    transport: transport.client, interceptors: clientIntercepted ? [ClientTracingInterceptor()] : []
                ) { client in try await body(client) }
            }
        }
        return reporter.spans
    }
}

func makeBridge() -> (DapperDistributedTracer, InMemoryReporter) {
    let reporter = InMemoryReporter()
    let tracer = DapperTracer(serviceName: "svc", reporter: reporter, sampler: AlwaysSampler(), defaultTags: [])
    return (DapperDistributedTracer(tracer), reporter)
}

extension FinishedSpan {
    func tag(_ key: String) -> SpanTagValue? { tags.last { $0.key == key }?.value }
    var kind: String? { if case .string(let kind)? = tag("span.kind") { kind } else { nil } }
}

extension GRPCClient {
    func call(_ method: MethodDescriptor, _ message: String, metadata: Metadata = [:]) async throws -> String {
        try await unary(
            request: ClientRequest(message: message, metadata: metadata),
            descriptor: method, serializer: UTF8Coder(), deserializer: UTF8Coder(), options: .defaults
        ) { try $0.message }
    }

    func stream(_ method: MethodDescriptor, _ message: String) async throws -> [String] {
        try await serverStreaming(
            request: ClientRequest(message: message),
            descriptor: method, serializer: UTF8Coder(), deserializer: UTF8Coder(), options: .defaults
        ) { response in try await response.messages.reduce(into: []) { $0.append($1) } }
    }
}

/// `test.Echo`: one method of each RPC kind, plus failures of each error kind.
struct EchoService: RegistrableRPCService {
    static let get = MethodDescriptor(fullyQualifiedService: "test.Echo", method: "Get")
    static let metadata = MethodDescriptor(fullyQualifiedService: "test.Echo", method: "Metadata")
    static let count = MethodDescriptor(fullyQualifiedService: "test.Echo", method: "Count")
    static let sum = MethodDescriptor(fullyQualifiedService: "test.Echo", method: "Sum")
    static let chat = MethodDescriptor(fullyQualifiedService: "test.Echo", method: "Chat")

    struct Denied: Error, RPCErrorConvertible {
        var rpcErrorCode: RPCError.Code { .permissionDenied }
        var rpcErrorMessage: String { "not yours" }
    }

    struct Plain: Error {}

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        router.registerHandler(forMethod: Self.get, deserializer: UTF8Coder(), serializer: UTF8Coder()) { request, _ in
            let name = try await ServerRequest(stream: request).message
            switch name {
            case "missing": throw RPCError(code: .notFound, message: "no such user")
            case "denied": throw Denied()
            case "plain": throw Plain()
            default: return StreamingServerResponse(single: ServerResponse(message: "hello \(name)"))
            }
        }
        router.registerHandler(forMethod: Self.metadata, deserializer: UTF8Coder(), serializer: UTF8Coder()) { request, _ in
            let request = try await ServerRequest(stream: request)
            let value = request.metadata[stringValues: request.message].first { _ in true } ?? ""
            return StreamingServerResponse(single: ServerResponse(message: value))
        }
        router.registerHandler(forMethod: Self.count, deserializer: UTF8Coder(), serializer: UTF8Coder()) { request, _ in
            let count = Int(try await ServerRequest(stream: request).message) ?? 0
            return StreamingServerResponse { writer in
                for index in 0..<count {
                    if count <= 3 { try await Task.sleep(for: .milliseconds(20)) }
                    try await writer.write("\(index)")
                }
                return [:]
            }
        }
        router.registerHandler(forMethod: Self.sum, deserializer: UTF8Coder(), serializer: UTF8Coder()) { request, _ in
            var total = 0
            for try await word in request.messages { total += word.count }
            return StreamingServerResponse(single: ServerResponse(message: "\(total)"))
        }
        router.registerHandler(forMethod: Self.chat, deserializer: UTF8Coder(), serializer: UTF8Coder()) { request, _ in
            StreamingServerResponse { writer in
                for try await word in request.messages { try await writer.write(word + "!") }
                return [:]
            }
        }
    }
}

/// Messages as UTF-8 text.
struct UTF8Coder: MessageSerializer, MessageDeserializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: String) throws -> Bytes { Bytes(message.utf8) }

    func deserialize<Bytes: GRPCContiguousBytes>(_ bytes: Bytes) throws -> String {
        bytes.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }
}
