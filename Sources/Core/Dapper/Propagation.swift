/// Names used in propagation.
public enum Propagation {
    /// The header (HTTP) and metadata key (gRPC) that carries the span context text.
    public static var kratosTraceIDKey: String { "kratos-trace-id" }
}
