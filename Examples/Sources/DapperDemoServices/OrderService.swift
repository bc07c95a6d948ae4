import AsyncHTTPClient
import Dapper
import DapperHummingbird
import Hummingbird
import Tracing

/// The demo's `order` service over HTTP (Hummingbird): `GET /orders/{id}`, with a database
/// query of its own and a call to the `stock` service, a Kratos v1-style hop. Orders whose ID
/// ends in 4 or 9 fail (an error on purpose).
enum OrderService {
    static func router(tracer: DapperTracer, stock: HTTPClient, stockBaseURL: String) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: TracerSelectionMiddleware(tracer: tracer))
        router.add(middleware: TracingMiddleware())
        router.add(middleware: TraceIDResponseMiddleware())
        router.get("/orders/:id") { _, context -> String in
            let id = try context.parameters.require("id", as: Int.self)
            let order = try await withSpan("SELECT orders", ofKind: .client) { span in
                span.attributes["db.system"] = "mysql"
                span.attributes["db.statement"] = "SELECT * FROM orders WHERE id = ?"
                try await Task.sleep(for: .microseconds(500))
                guard id % 5 != 4 else { throw HTTPError(.internalServerError, message: "inventory unavailable") }
                return "order-\(id): 2 items"
            }
            // The bridge writes `kratos-trace-id` (which the v1 service reads) and `traceparent`.
            let response = try await stock.execute(HTTPClientRequest(url: "\(stockBaseURL)/stock/\(id)"), timeout: .seconds(5))
            let stocked = try await response.body.collect(upTo: 64 * 1024)
            return "\(order), \(String(buffer: stocked))"
        }
        return router
    }
}
