import AsyncHTTPClient
import Dapper
import DapperHummingbird
import GRPCCore
import Hummingbird
import NIOCore
import Tracing

/// The demo's `gateway` (Hummingbird): `GET /api/order/{id}` asks the user service over gRPC
/// and the order service over HTTP (AsyncHTTPClient), at the same time; `GET
/// /api/user/{id}/events` reads the user's event stream (a server-streaming RPC).
enum Gateway {
    static func router<Transport: ClientTransport>(
        tracer: DapperTracer, users: GRPCClient<Transport>, orders: HTTPClient, orderBaseURL: String
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: TracerSelectionMiddleware(tracer: tracer))
        router.add(middleware: TracingMiddleware())
        router.add(middleware: TraceIDResponseMiddleware(answersErrors: true))
        router.get("/api/order/:id") { _, context -> String in
            let id = try context.parameters.require("id")
            async let user = fetchUser(id, from: users)
            async let order = fetchOrder(id, from: orders, baseURL: orderBaseURL)
            return try await "\(user) / \(order)"
        }
        router.get("/api/user/:id/events") { _, context -> String in
            let id = try context.parameters.require("id")
            return try await users.serverStreaming(
                request: ClientRequest(message: id), descriptor: UserService.watchUser,
                serializer: UTF8Coder(), deserializer: UTF8Coder(), options: .defaults
            ) { response in
                var events: [String] = []
                for try await event in response.messages { events.append(event) }
                return events.joined(separator: ", ")
            }
        }
        return router
    }

    private static func fetchUser<Transport: ClientTransport>(_ id: String, from users: GRPCClient<Transport>) async throws -> String {
        do {
            return try await users.unary(
                request: ClientRequest(message: id), descriptor: UserService.getUser,
                serializer: UTF8Coder(), deserializer: UTF8Coder(), options: .defaults
            ) { try $0.message }
        } catch let error as RPCError where error.code == .notFound {
            throw HTTPError(.notFound, message: error.message)
        }
    }

    private static func fetchOrder(_ id: String, from orders: HTTPClient, baseURL: String) async throws -> String {
        let response = try await orders.execute(HTTPClientRequest(url: "\(baseURL)/orders/\(id)"), timeout: .seconds(5))
        let body = try await response.body.collect(upTo: 64 * 1024)
        guard response.status == .ok else {
            throw HTTPError(.badGateway, message: "order service: \(response.status.code) \(String(buffer: body))")
        }
        return String(buffer: body)
    }
}
