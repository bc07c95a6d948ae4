import CDapperOTLPProto
import CDapperZlib
import CProtobufC

/// A span as an OTLP receiver decoded it with protobuf-c's own `unpack` (no code of the
/// encoder's): enough to tell which reported span it is.
package struct ReceivedOTLPSpan: Hashable {
    package var serviceName: String
    package var name: String
    package var spanID: [UInt8]

    package init(serviceName: String, name: String, spanID: [UInt8]) {
        self.serviceName = serviceName
        self.name = name
        self.spanID = spanID
    }
}

package enum ReceivedOTLPSpans {
    /// The spans of an `ExportTraceServiceRequest`; `nil` when the bytes do not unpack.
    package static func decode(_ bytes: [UInt8]) -> [ReceivedOTLPSpan]? {
        let unpacked = bytes.withUnsafeBufferPointer {
            opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(nil, $0.count, $0.baseAddress)
        }
        guard let request = unpacked else { return nil }
        defer { opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(request, nil) }
        var spans: [ReceivedOTLPSpan] = []
        for resourceSpans in buffer(request.pointee.resource_spans, request.pointee.n_resource_spans) {
            var service = ""
            if let resource = resourceSpans.pointee.resource {
                for attribute in buffer(resource.pointee.attributes, resource.pointee.n_attributes)
                where text(attribute.pointee.key) == "service.name" {
                    service = text(attribute.pointee.value?.pointee.string_value)
                }
            }
            for scopeSpans in buffer(resourceSpans.pointee.scope_spans, resourceSpans.pointee.n_scope_spans) {
                for span in buffer(scopeSpans.pointee.spans, scopeSpans.pointee.n_spans) {
                    spans.append(ReceivedOTLPSpan(serviceName: service, name: text(span.pointee.name), spanID: Self.bytes(span.pointee.span_id)))
                }
            }
        }
        return spans
    }

    /// `data` with its gzip wrapper undone by zlib; `nil` when it is not gzip.
    package static func gunzip(_ data: [UInt8]) -> [UInt8]? {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
        defer { inflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: max(1024, data.count * 20))
        var input = data
        let status = input.withUnsafeMutableBufferPointer { inputBuffer in
            output.withUnsafeMutableBufferPointer { outputBuffer in
                stream.next_in = inputBuffer.baseAddress
                stream.avail_in = uInt(inputBuffer.count)
                stream.next_out = outputBuffer.baseAddress
                stream.avail_out = uInt(outputBuffer.count)
                return inflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { return nil }
        return Array(output[..<Int(stream.total_out)])
    }

    private static func buffer<Element>(_ pointers: UnsafeMutablePointer<UnsafeMutablePointer<Element>?>?, _ count: Int) -> [UnsafeMutablePointer<Element>] {
        guard let pointers else { return [] }
        return (0..<count).compactMap { pointers[$0] }
    }

    private static func bytes(_ data: ProtobufCBinaryData?) -> [UInt8] {
        guard let data, data.len > 0, let base = data.data else { return [] }
        return Array(UnsafeBufferPointer(start: base, count: data.len))
    }

    private static func text(_ data: ProtobufCBinaryData?) -> String {
        String(decoding: bytes(data), as: UTF8.self)
    }
}
