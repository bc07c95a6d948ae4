import AsyncHTTPClient
import DapperExporterSupport
import DapperHTTPTestSupport
import Foundation
import NIOCore
import NIOPosix
import Testing

/// The event loop the HTTP exporters run their requests on (`requestEventLoop(of:)`), against
/// AsyncHTTPClient 1.37's race: a request whose answer ends before its body does tells the pool
/// that its connection is free through a hop from the request's loop to the connection's, and a
/// connection closed before that hop runs stops the process ("A connection that we don't know
/// was released?").
@Suite(.serialized) struct ExporterRequestEventLoopTests {
    enum Closer: String, CaseIterable, Sendable { case clientShutdown, serverGone }

    /// Widens the window: the second request's body ends 200 ms after its bytes went out, so the
    /// server (which answers on `Content-Length` bytes) has answered first; the answer's callback
    /// then blocks the request's loop for 300 ms while the connection is closed. With the request
    /// on another loop than its connection the pool forgets the connection meanwhile and the
    /// release that follows stops the process; on one loop the release comes first.
    @Test(arguments: Closer.allCases)
    func aConnectionClosedRightAfterAnAnswerThatEndedBeforeItsRequestLeavesTheProcessRunning(closer: Closer) throws {
        let server = try TestHTTPServer()
        defer { server.stop() }
        // Two loops whatever the machine, so that a request and its connection could be apart.
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        defer { try? group.syncShutdownGracefully() }
        let client = HTTPClient(eventLoopGroupProvider: .shared(group))
        // On every path, failures included; after the closer's and the test's own shutdown and
        // stop, these are no-ops.
        defer { try? client.syncShutdown() }
        let eventLoop = requestEventLoop(of: client)

        // The first request leaves an idle keep-alive connection that the second one reuses.
        let first = try HTTPClient.Request(url: server.baseURL + "/v1/traces", method: .POST, body: .bytes([1, 2, 3]))
        _ = try client.execute(request: first, eventLoop: eventLoop).wait()

        let body = HTTPClient.Body.stream(contentLength: 3) { writer in
            let written = writer.write(.byteBuffer(ByteBuffer(bytes: [1, 2, 3])))
            return written.flatMap { written.eventLoop.scheduleTask(in: .milliseconds(200)) {}.futureResult }
        }
        let second = try HTTPClient.Request(url: server.baseURL + "/v1/traces", method: .POST, body: body)
        let answer = client.execute(request: second, eventLoop: eventLoop)
        let closed = DispatchSemaphore(value: 0)
        answer.whenComplete { _ in
            // On the request's loop, inside the callbacks of the request end's write and before
            // the connection's release: the close runs elsewhere while this loop is held.
            DispatchQueue.global().async {
                switch closer {
                case .clientShutdown: try? client.syncShutdown()
                case .serverGone: server.stop()
                }
                closed.signal()
            }
            Thread.sleep(forTimeInterval: 0.3)
        }
        #expect(try answer.wait().status == .accepted)
        closed.wait()
        switch closer {
        case .clientShutdown: server.stop()
        case .serverGone: try client.syncShutdown()
        }
    }
}
