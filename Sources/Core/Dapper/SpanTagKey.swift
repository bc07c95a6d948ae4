/// Tag names with a conventional meaning, as the original defines them.
///
/// Computed properties returning literals, so that reading one on a hot path costs nothing.
public enum SpanTagKey {
    /// The span's kind: `server`, `client`, `producer` or `consumer`.
    public static var spanKind: String { "span.kind" }
    /// A bool tag set on a span finished with an error.
    public static var error: String { "error" }
    /// A bool tag set on a span of a debug trace.
    public static var debug: String { "debug" }
    /// The marker of a span that lost tags, logs or size to a limit.
    public static var traceError: String { "trace.error" }
    /// The component that made the span, e.g. `net/http`.
    public static var component: String { "component" }
    /// The database instance name.
    public static var dbInstance: String { "db.instance" }
    /// The database statement.
    public static var dbStatement: String { "db.statement" }
    /// The database type, e.g. `sql` or `redis`.
    public static var dbType: String { "db.type" }
    /// The database user.
    public static var dbUser: String { "db.user" }
    /// The HTTP method.
    public static var httpMethod: String { "http.method" }
    /// The HTTP status code.
    public static var httpStatusCode: String { "http.status_code" }
    /// The HTTP URL.
    public static var httpURL: String { "http.url" }
    /// The remote address.
    public static var peerAddress: String { "peer.address" }
    /// The remote service.
    public static var peerService: String { "peer.service" }
}
