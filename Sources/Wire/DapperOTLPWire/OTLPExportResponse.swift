import CDapperOTLPProto
import CProtobufC

/// What an OTLP receiver answered to an export: its `ExportTraceServiceResponse`, the body of
/// an OTLP/HTTP 2xx answer and the message of OTLP/gRPC's `Export` reply.
///
/// The specification's three cases: no `partial_success` (a full success: ``rejectedSpans``
/// 0, ``errorMessage`` empty); a partial success, where the receiver dropped
/// ``rejectedSpans`` of the request's spans and says why in ``errorMessage``; and a warning,
/// with ``rejectedSpans`` 0 and a message. A client must not send a partial success again.
public struct OTLPExportResponse: Sendable, Hashable {
    /// Spans of the request the receiver did not accept.
    public var rejectedSpans: Int64
    /// The receiver's explanation, as sent: peer text, to escape before printing.
    public var errorMessage: String

    /// Creates a response.
    public init(rejectedSpans: Int64 = 0, errorMessage: String = "") {
        self.rejectedSpans = rejectedSpans
        self.errorMessage = errorMessage
    }

    /// Decodes `bytes` with protobuf-c. An empty body is a full success (an empty message is
    /// zero bytes on the wire).
    ///
    /// - Throws: ``OTLPResponseDecodingError/malformed(byteCount:)`` when the bytes are not an
    ///   `ExportTraceServiceResponse`.
    public init(decoding bytes: UnsafeRawBufferPointer) throws(OTLPResponseDecodingError) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            self.init()
            return
        }
        guard
            let message = opentelemetry__proto__collector__trace__v1__export_trace_service_response__unpack(
                nil, bytes.count, base.assumingMemoryBound(to: UInt8.self))
        else { throw .malformed(byteCount: bytes.count) }
        defer { opentelemetry__proto__collector__trace__v1__export_trace_service_response__free_unpacked(message, nil) }
        guard let partial = message.pointee.partial_success?.pointee else {
            self.init()
            return
        }
        let text = partial.error_message
        let messageText =
            if let data = text.data, text.len > 0 {
                String(decoding: UnsafeBufferPointer(start: data, count: text.len), as: UTF8.self)
            } else {
                ""
            }
        self.init(rejectedSpans: partial.rejected_spans, errorMessage: messageText)
    }
}

/// Why an OTLP receiver's answer cannot be read.
public enum OTLPResponseDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The body of `byteCount` bytes is not the protobuf message it should be.
    case malformed(byteCount: Int)

    /// The problem in a sentence.
    public var description: String {
        switch self {
        case .malformed(let byteCount): "the \(byteCount)-byte response is not a valid ExportTraceServiceResponse"
        }
    }
}
