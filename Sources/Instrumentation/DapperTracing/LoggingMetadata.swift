#if DistributedTracing  // a package trait, on by default (README, "Installation")
import Dapper
import Instrumentation
import Logging

extension Logger.MetadataProvider {
    /// Adds the current Dapper trace to every log line: `trace_id` and `span_id`, 16 lower-case
    /// hex digits each (`trace_id` 32 for a trace that came with a 128-bit ID, as the tracing
    /// backend shows it), read from `ServiceContext.current` (so inside any `withSpan`, and in a
    /// handler Hummingbird or gRPC runs inside its server span).
    ///
    /// ```swift
    /// LoggingSystem.bootstrap(StreamLogHandler.standardOutput, metadataProvider: .dapper)
    /// ```
    ///
    /// Outside a span the provider adds nothing. In an unsampled span the IDs are those of the
    /// context the span continues (see ``DapperDistributedTracer``).
    public static let dapper = dapper()

    /// ``dapper`` with other metadata keys.
    public static func dapper(traceIDKey: String = "trace_id", spanIDKey: String = "span_id") -> Logger.MetadataProvider {
        Logger.MetadataProvider {
            guard let context = ServiceContext.current?.propagatedContext else { return [:] }
            return [
                traceIDKey: .string(TraceHeaders.formatB3TraceID(context)),
                spanIDKey: .string(Hex.string16(context.spanID)),
            ]
        }
    }
}
#endif
