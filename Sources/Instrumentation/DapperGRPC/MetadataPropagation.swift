#if GRPC  // a package trait, on by default (README, "Installation")
import GRPCCore
import Tracing
import Instrumentation

/// Reads trace headers from gRPC metadata (keys are lower-case in gRPC).
struct MetadataExtractor: Extractor {
    func extract(key: String, from metadata: Metadata) -> String? {
        metadata[stringValues: key].first(where: { _ in true })
    }
}

/// Writes trace headers into gRPC metadata, replacing a value already there (a retried call
/// carries its own attempt's span).
struct MetadataInjector: Injector {
    func inject(_ value: String, forKey key: String, into metadata: inout Metadata) {
        metadata.replaceOrAddString(value, forKey: key)
    }
}
#endif
