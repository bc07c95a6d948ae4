import DapperHTTPTestSupport

extension TestHTTPServer {
    /// The server's URL for Zipkin's `POST /api/v2/spans`.
    var endpoint: String { baseURL + "/api/v2/spans" }
}
