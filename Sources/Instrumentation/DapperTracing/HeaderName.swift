#if DistributedTracing  // a package trait, on by default (README, "Installation")
import Dapper

/// Header names, lower-case (HTTP/2 and gRPC metadata require it; HTTP/1 is case-insensitive).
enum HeaderName {
    static let kratos = Propagation.kratosTraceIDKey
    static let b3TraceID = "x-b3-traceid"
    static let b3SpanID = "x-b3-spanid"
    static let b3ParentSpanID = "x-b3-parentspanid"
    static let b3Sampled = "x-b3-sampled"
    static let b3Flags = "x-b3-flags"
    static let b3Single = "b3"
    static let traceparent = "traceparent"
}
#endif
