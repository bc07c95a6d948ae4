import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An HTTP/1.1 server on 127.0.0.1 that answers `status` (no body) to every request and counts
/// the requests: a collector that accepts everything, the local sink of
/// `zipkin-reporter-throughput` (202, `/api/v2/spans`) and `otlp-exporter-throughput` and
/// the OTelComparison pair (200, `/v1/traces`). It looks into a body only to count the spans
/// of an OTLP request, when asked to (`countsOTLPSpans`).
public final class AcceptingHTTPServer: Sendable {
    private let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    private let channel: any Channel
    private let counter: Counter
    private let path: String

    /// Starts a server on a free port of 127.0.0.1.
    /// `contentType`, when given, is sent with every (empty) answer: swift-otel's exporter
    /// refuses an answer without one.
    public init(status: HTTPResponseStatus, path: String, contentType: String? = nil, countsOTLPSpans: Bool = false) throws {
        let counter = Counter()
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Accept(counter: counter, status: status, contentType: contentType, countsOTLPSpans: countsOTLPSpans))
                }
            }
        channel = try bootstrap.bind(host: "127.0.0.1", port: 0).wait()
        self.counter = counter
        self.path = path
    }

    /// The URL to post to.
    public var endpoint: String { "http://127.0.0.1:\(channel.localAddress?.port ?? 0)\(path)" }
    /// The requests answered so far.
    public var requestCount: Int { counter.value.load(ordering: .relaxed) }
    /// The spans of the OTLP requests received so far (0 unless `countsOTLPSpans`).
    public var spanCount: Int { counter.spans.load(ordering: .relaxed) }

    /// Closes the socket and stops the server's thread.
    public func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    final class Counter: Sendable {
        let value = Atomic<Int>(0)
        let spans = Atomic<Int>(0)
    }

    private final class Accept: ChannelInboundHandler, @unchecked Sendable {
        // @unchecked: used on its channel's event loop only.
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let counter: Counter
        let status: HTTPResponseStatus
        let contentType: String?
        let countsOTLPSpans: Bool
        var body: ByteBuffer?
        init(counter: Counter, status: HTTPResponseStatus, contentType: String?, countsOTLPSpans: Bool) {
            self.counter = counter
            self.status = status
            self.contentType = contentType
            self.countsOTLPSpans = countsOTLPSpans
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head: return
            case .body(var part):
                if countsOTLPSpans {
                    if body == nil { body = part } else { body!.writeBuffer(&part) }
                }
                return
            case .end: break
            }
            if let request = body {
                counter.spans.add(request.withUnsafeReadableBytes(OTLPSpanCount.spans), ordering: .relaxed)
                body = nil
            }
            counter.value.add(1, ordering: .relaxed)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Length", value: "0")
            if let contentType { headers.add(name: "Content-Type", value: contentType) }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
    }
}
