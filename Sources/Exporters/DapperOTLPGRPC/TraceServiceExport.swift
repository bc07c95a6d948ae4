#if OTLPGRPC  // a package trait, on by default (README, "Installation")
import GRPCCore

extension MethodDescriptor {
    /// OTLP/gRPC's one trace method: `opentelemetry.proto.collector.trace.v1.TraceService/Export`,
    /// unary, `ExportTraceServiceRequest` in and `ExportTraceServiceResponse` out.
    package static let otlpTraceExport = MethodDescriptor(
        fullyQualifiedService: "opentelemetry.proto.collector.trace.v1.TraceService", method: "Export")
}
#endif
