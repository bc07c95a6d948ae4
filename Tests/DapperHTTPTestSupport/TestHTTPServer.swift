import Dapper
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A real HTTP server on 127.0.0.1 (an ephemeral port) that plays a collector (Zipkin's, an
/// OTLP receiver): it keeps every request and answers as its script says (status, headers,
/// body, delay).
package final class TestHTTPServer: @unchecked Sendable {
    // @unchecked: `received`, `script` and `stopped` are guarded by `lock`.
    package struct Request: Sendable {
        package var method: String
        package var uri: String
        package var headers: [(String, String)]
        package var body: [UInt8]

        package func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }
    }

    package struct Answer: Sendable {
        package var status: HTTPResponseStatus
        package var headers: [(String, String)]
        package var body: [UInt8]
        /// How long the server waits before answering: past a client's timeout, a hang.
        package var delay: Duration

        package init(status: HTTPResponseStatus = .accepted, headers: [(String, String)] = [], body: [UInt8] = [], delay: Duration = .zero) {
            self.status = status
            self.headers = headers
            self.body = body
            self.delay = delay
        }
    }

    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private var channel: Channel?
    private let lock = NSLock()
    private var received: [Request] = []
    private var script: @Sendable (Int) -> Answer
    private var stopped = false

    /// Starts the server; `script` answers the request with the given index (0, 1, …).
    package init(_ script: @escaping @Sendable (Int) -> Answer = { _ in Answer() }) throws {
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

    package var port: Int { channel?.localAddress?.port ?? 0 }
    /// `http://127.0.0.1:port`, without a path.
    package var baseURL: String { "http://127.0.0.1:\(port)" }

    package var requests: [Request] { lock.withLock { received } }

    package func setScript(_ script: @escaping @Sendable (Int) -> Answer) { lock.withLock { self.script = script } }

    fileprivate func record(_ request: Request) -> Answer {
        lock.withLock {
            received.append(request)
            return script(received.count - 1)
        }
    }

    /// Closes the server and its connections; a second call does nothing (closing a channel
    /// of a group already shut down would wait forever).
    package func stop() {
        let first = lock.withLock {
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        try? channel?.close().wait()
        try? group.syncShutdownGracefully()
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        // @unchecked: used on its channel's event loop only.
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let server: TestHTTPServer
        var head: HTTPRequestHead?
        var body: [UInt8] = []

        init(server: TestHTTPServer) { self.server = server }

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
                    headers.add(name: "Content-Length", value: "\(answer.body.count)")
                    for (name, value) in answer.headers { headers.add(name: name, value: value) }
                    context.write(NIOAny(HTTPServerResponsePart.head(HTTPResponseHead(version: head.version, status: answer.status, headers: headers))), promise: nil)
                    if !answer.body.isEmpty {
                        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: answer.body)))), promise: nil)
                    }
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
