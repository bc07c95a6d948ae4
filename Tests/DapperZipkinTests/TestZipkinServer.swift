import Dapper
import DapperReporting
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A real HTTP server on 127.0.0.1 (an ephemeral port) that plays a Zipkin collector: it
/// keeps every request and answers as its script says (status, delay).
final class TestZipkinServer: @unchecked Sendable {
    // @unchecked: `requests` and `script` are guarded by `lock`.
    struct Request: Sendable {
        var method: String
        var uri: String
        var headers: [(String, String)]
        var body: [UInt8]

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    struct Answer: Sendable {
        var status: HTTPResponseStatus = .accepted
        var delay: Duration = .zero
    }

    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private var channel: Channel?
    private let lock = NSLock()
    private var received: [Request] = []
    private var script: @Sendable (Int) -> Answer

    /// Starts the server; `script` answers the request with the given index (0, 1, …).
    init(_ script: @escaping @Sendable (Int) -> Answer = { _ in Answer() }) throws {
        self.script = script
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { [self] channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(server: self))
                }
            }
        channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
    }

    var port: Int { channel?.localAddress?.port ?? 0 }
    var endpoint: String { "http://127.0.0.1:\(port)/api/v2/spans" }

    var requests: [Request] { lock.withLock { received } }

    func setScript(_ script: @escaping @Sendable (Int) -> Answer) { lock.withLock { self.script = script } }

    fileprivate func record(_ request: Request) -> Answer {
        lock.withLock {
            received.append(request)
            return script(received.count - 1)
        }
    }

    func stop() {
        try? channel?.close().wait()
        try? group.syncShutdownGracefully()
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        // @unchecked: used on its channel's event loop only.
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let server: TestZipkinServer
        var head: HTTPRequestHead?
        var body: [UInt8] = []

        init(server: TestZipkinServer) { self.server = server }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = []
            case .body(var buffer):
                body += buffer.readBytes(length: buffer.readableBytes) ?? []
            case .end:
                guard let head else { return }
                let answer = server.record(
                    Request(
                        method: head.method.rawValue, uri: head.uri,
                        headers: head.headers.map { ($0.name, $0.value) }, body: body))
                let respond: @Sendable () -> Void = { [context = NIOLoopBound(context, eventLoop: context.eventLoop)] in
                    let context = context.value
                    var headers = HTTPHeaders()
                    headers.add(name: "Content-Length", value: "0")
                    context.write(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: head.version, status: answer.status, headers: headers))), promise: nil)
                    context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)), promise: nil)
                }
                if answer.delay > .zero {
                    let nanos = Int64(min(answer.delay.clampedNanos, UInt64(Int64.max) / 4))
                    context.eventLoop.scheduleTask(in: .nanoseconds(nanos)) { respond() }
                } else {
                    respond()
                }
            }
        }
    }
}
