#if OTLPHTTP  // a package trait, on by default (README, "Installation")
import AsyncHTTPClient
import Dapper
import DapperExporterSupport
import DapperOTLPWire
import Foundation
import NIOCore
import NIOHTTP1

/// OTLP/HTTP with protobuf bodies: `POST` to the endpoint with `Content-Type:
/// application/x-protobuf`, optionally gzip-compressed, and the answer read as the
/// specification says (OTLP/HTTP Response).
///
/// It blocks on AsyncHTTPClient's futures (`wait()`), which is why it runs on the pipeline's
/// thread and never on an event loop or Swift's cooperative pool.
final class OTLPHTTPTransport: OTLPTransport {
    /// The largest answer read: the specification's recommended client limit. A larger one is
    /// a failure not to retry.
    static let maximumResponseBytes = 4 << 20

    private let url: String
    private let redactedURL: String
    private let headers: HTTPHeaders
    private let client: HTTPClient
    private let ownsClient: Bool
    /// Every request's event loop, its connection's too (`requestEventLoop(of:)` says why).
    private let eventLoop: HTTPClient.EventLoopPreference
    private let compressor: GzipCompressor?
    private let logger: RateLimitedLogger

    init(configuration: OTLPExporterConfiguration, httpClient: HTTPClient?, logger: RateLimitedLogger) throws(OTLPExporterError) {
        url = configuration.resolvedEndpoint
        redactedURL = configuration.redactedEndpoint
        // Checks the URL the way the client will read it, so that a bad one is an error now
        // rather than a drop of every batch later.
        guard (try? HTTPClient.Request(url: url, method: .POST)) != nil else {
            throw .invalidConfiguration(.invalidEndpoint(source: "endpoint", endpoint: redactedURL, reason: "the HTTP client cannot read it"))
        }
        var headers = HTTPHeaders()
        for header in configuration.headers { headers.add(name: header.name, value: header.value) }
        headers.replaceOrAdd(name: "Content-Type", value: "application/x-protobuf")
        headers.replaceOrAdd(name: "User-Agent", value: "Dapper-OTLP-Exporter-Swift/\(OTLPSpanEncoder.scopeVersion)")
        switch configuration.compression {
        case .none:
            compressor = nil
        case .gzip:
            guard let compressor = GzipCompressor() else {
                throw .transportUnavailable(.httpProtobuf, reason: "zlib could not start a gzip stream")
            }
            self.compressor = compressor
            headers.replaceOrAdd(name: "Content-Encoding", value: "gzip")
        }
        self.headers = headers
        if let httpClient {
            client = httpClient
            ownsClient = false
        } else {
            var clientConfiguration = HTTPClient.Configuration()
            clientConfiguration.timeout = HTTPClient.Configuration.Timeout(connect: nioTimeAmount(configuration.timeout))
            // A redirected POST may become a GET without its body: a 3xx is an error instead.
            clientConfiguration.redirectConfiguration = .disallow
            client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
            ownsClient = true
        }
        eventLoop = requestEventLoop(of: client)
        self.logger = logger
    }

    func send(_ body: UnsafeRawBufferPointer, deadline: ContinuousClock.Instant) -> OTLPSendOutcome {
        let buffer: ByteBuffer
        if let compressor {
            guard let compressed = compressor.withCompressed(body, { ByteBuffer(bytes: $0) }) else {
                return .rejected(.encodingError, detail: "gzip compression of a \(body.count)-byte request failed")
            }
            buffer = compressed
        } else {
            buffer = ByteBuffer(bytes: body)
        }
        let remaining = max(.zero, ContinuousClock.now.duration(to: deadline))
        do {
            let request = try HTTPClient.Request(url: url, method: .POST, headers: headers, body: .byteBuffer(buffer))
            let accumulator = ResponseAccumulator(request: request, maxBodySize: Self.maximumResponseBytes)
            let response = try client.execute(
                request: request, delegate: accumulator, eventLoop: eventLoop, deadline: .now() + nioTimeAmount(remaining)
            ).wait()
            return outcome(of: response)
        } catch is ResponseAccumulator.ResponseTooBigError {
            return .rejected(.rejected, detail: "\(redactedURL) answered with more than \(Self.maximumResponseBytes) bytes")
        } catch {
            return .retryable(
                dropReason(forHTTPClientError: error), after: nil,
                detail: "posting to \(redactedURL) failed: \(TerminalEscaping.escaped("\(error)"))")
        }
    }

    /// The specification's reading of an answer: 2xx is a success, partial or not; 429, 502,
    /// 503 and 504 may be retried, after `Retry-After` when given; anything else is final.
    private func outcome(of response: HTTPClient.Response) -> OTLPSendOutcome {
        let status = response.status
        let body = response.body ?? ByteBuffer()
        switch status.code {
        case 200..<300:
            // A body that is not an ExportTraceServiceResponse still came with a success: the
            // spans were accepted, and the oddity is logged as a warning.
            let decoded = body.withUnsafeReadableBytes { bytes in
                Result { () throws(OTLPResponseDecodingError) in try OTLPExportResponse(decoding: bytes) }
            }
            switch decoded {
            case .success(let answer):
                return .accepted(rejectedSpans: Int(clamping: answer.rejectedSpans), message: answer.errorMessage)
            case .failure(let error):
                return .accepted(rejectedSpans: 0, message: "\(error)")
            }
        case 429:
            return .retryable(.throttled, after: retryAfter(response.headers), detail: "\(redactedURL) answered \(status)\(message(body))")
        case 502, 503, 504:
            return .retryable(.serverError, after: retryAfter(response.headers), detail: "\(redactedURL) answered \(status)\(message(body))")
        default:
            return .rejected(.rejected, detail: "\(redactedURL) answered \(status)\(message(body))")
        }
    }

    private func retryAfter(_ headers: HTTPHeaders) -> Duration? {
        headers.first(name: "Retry-After").flatMap { RetryAfter.wait($0, now: Date().timeIntervalSince1970) }
    }

    /// The receiver's `google.rpc.Status` message, escaped, as `: message`; empty when the body
    /// has none.
    private func message(_ body: ByteBuffer) -> String {
        guard let text = body.withUnsafeReadableBytes({ RPCStatusMessage.message(in: $0) }), !text.isEmpty else { return "" }
        return ": " + OTLPExporter.peerText(text)
    }

    /// Shuts down the client this transport made.
    func shutdown() {
        guard ownsClient else { return }
        do {
            try client.syncShutdown()
        } catch {
            logger.log(.warning, key: "shutdown", "OTLP exporter: shutting the HTTP client down failed: \(error)")
        }
    }
}
#endif
