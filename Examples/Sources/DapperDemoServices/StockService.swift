import Dapper
import Hummingbird

/// The demo's `stock` service, written the way a Kratos v1 (Go, `pkg/net/trace`) service is:
/// no swift-distributed-tracing, only the legacy API. It reads `kratos-trace-id` alone (as
/// `trace.Extract(trace.HTTPFormat, req.Header)` does), names its span after the route, forks a
/// child for its cache and finishes both. Its spans carry the trace's low 64 bits only, as a Go
/// v1 service's do: the hop that shows a 128-bit trace from a Kratos v2 service crossing a v1
/// service and staying one trace.
enum StockService {
    static func router(tracer: DapperTracer) -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/stock/:id") { request, context -> String in
            let carrier = HTTPHeadersCarrier(request.headers.map { ($0.name.canonicalName, $0.value) })
            // Without a (valid) header a v1 service starts a trace of its own.
            let span = (try? tracer.extract(from: carrier)) ?? tracer.new("/stock/{id}", debug: false)
            span.setTitle("/stock/{id}")
            let id = try context.parameters.require("id")
            let cache = span.fork("", "redis.get stock:\(id)")
            cache.setTag(SpanTag(key: "db.system", value: .string("redis")))
            try await Task.sleep(for: .microseconds(200))
            cache.finish(error: nil)
            span.finish(error: nil)
            return "\(Int(id).map { $0 % 7 + 1 } ?? 0) in stock"
        }
        return router
    }
}
