import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An HTTP server on 127.0.0.1 that answers 202 to every request and counts the requests:
/// a Zipkin collector that accepts everything, for `zipkin-reporter-throughput`.
final class AcceptingZipkinServer: Sendable {
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let channel: any Channel
    let requests = Atomic<Int>(0)

    init() throws {
        let counter = Counter()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Accept(counter: counter))
                }
            }
        channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
        self.counter = counter
    }

    private let counter: Counter

    var endpoint: String { "http://127.0.0.1:\(channel.localAddress?.port ?? 0)/api/v2/spans" }
    var requestCount: Int { counter.value.load(ordering: .relaxed) }

    func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    private final class Accept: ChannelInboundHandler, @unchecked Sendable {
        // @unchecked: used on its channel's event loop only.
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let counter: Counter
        init(counter: Counter) { self.counter = counter }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .end = unwrapInboundIn(data) else { return }
            counter.value.add(1, ordering: .relaxed)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Length", value: "0")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .accepted, headers: headers))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
