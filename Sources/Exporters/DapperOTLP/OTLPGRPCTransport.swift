#if OTLPGRPC  // a package trait, on by default (README, "Installation")
import Dapper
import DapperOTLPGRPC
import DapperOTLPWire
import Foundation

/// OTLP/gRPC: the request's bytes through `DapperOTLPGRPC`'s client
/// (`TraceService/Export`), and the call's end in the specification's terms. The client already
/// sorts the status codes into retryable or not (the specification's table, with
/// `RESOURCE_EXHAUSTED` retryable only when the server sent `RetryInfo`); this names the drop
/// reason and reads a partial success out of an OK answer.
final class OTLPGRPCTransport: OTLPTransport {
    private let client: OTLPGRPCClient
    private let redactedURL: String

    /// The client for `configuration`'s endpoint: `http://` is plaintext HTTP/2, `https://`
    /// TLS; the port is the URL's, else 4317; the headers are sent as metadata.
    init(configuration: OTLPExporterConfiguration) throws(OTLPExporterError) {
        redactedURL = configuration.redactedEndpoint
        guard let components = URLComponents(string: configuration.resolvedEndpoint), let host = components.host else {
            throw .invalidConfiguration(.invalidEndpoint(source: "endpoint", endpoint: redactedURL, reason: "it has no host"))
        }
        let target = OTLPGRPCTarget(
            host: host, port: components.port ?? 4317, useTLS: components.scheme?.lowercased() == "https",
            metadata: configuration.headers.map { (name: $0.name, value: $0.value) }, gzip: configuration.compression == .gzip)
        do {
            client = try OTLPGRPCClient(target: target)
        } catch {
            throw .transportUnavailable(.grpc, reason: "\(error)")
        }
    }

    func send(_ body: UnsafeRawBufferPointer, deadline: ContinuousClock.Instant) -> OTLPSendOutcome {
        switch client.export(body, deadline: deadline) {
        case .ok(let response):
            // An OK answer means the receiver took the spans; an answer that does not decode
            // is logged, as over HTTP.
            do {
                let answer = try response.withUnsafeBytes { bytes throws(OTLPResponseDecodingError) in
                    try OTLPExportResponse(decoding: bytes)
                }
                return .accepted(rejectedSpans: Int(clamping: answer.rejectedSpans), message: answer.errorMessage)
            } catch {
                return .accepted(rejectedSpans: 0, message: "\(error)")
            }
        case .failed(let code, let retryable, let retryAfter, let message):
            let detail = "\(redactedURL) answered \(code): \(OTLPExporter.peerText(message))"
            guard retryable else { return .rejected(.rejected, detail: detail) }
            return .retryable(Self.reason(code), after: retryAfter, detail: detail)
        }
    }

    func shutdown() {
        client.shutdown()
    }

    /// The drop reason a retryable code's spans are counted under when their tries run out.
    static func reason(_ code: String) -> DropReason {
        switch code {
        case "resource_exhausted": .throttled
        case "deadline_exceeded": .timeout
        case "unavailable": .notConnected
        default: .serverError
        }
    }
}
#endif
