import CDapperProto
import DapperTesting
import CProtobufC
import Dapper
import DapperWire
import Foundation
import Testing

/// The proto3 encoding carries what the JSON encoding does: decoded with protobuf-c here
/// (and with Python's protobuf and zipkin.proto in Scripts/test), each span equals its
/// Zipkin JSON object.
@Suite struct ZipkinProtoEncoderTests {
    /// A decoded proto3 span in the JSON model's shape.
    private func jsonShape(_ span: Zipkin__Proto3__Span) -> NSDictionary {
        func hex(_ data: ProtobufCBinaryData) -> String {
            (0..<data.len).map { String(format: "%02x", data.data[$0]) }.joined()
        }
        func text(_ data: ProtobufCBinaryData) -> String {
            data.len == 0 ? "" : String(decoding: UnsafeBufferPointer(start: data.data, count: data.len), as: UTF8.self)
        }
        let object = NSMutableDictionary()
        object["traceId"] = hex(span.trace_id)
        object["id"] = hex(span.id)
        if span.parent_id.len > 0 { object["parentId"] = hex(span.parent_id) }
        object["name"] = text(span.name)
        let kinds = [1: "CLIENT", 2: "SERVER", 3: "PRODUCER", 4: "CONSUMER"]
        if let kind = kinds[Int(span.kind.rawValue)] { object["kind"] = kind }
        object["timestamp"] = Int64(bitPattern: span.timestamp)
        object["duration"] = Int64(span.duration)
        object["localEndpoint"] = ["serviceName": text(span.local_endpoint.pointee.service_name)]
        if span.n_tags > 0 {
            let tags = NSMutableDictionary()
            for index in 0..<span.n_tags { tags[text(span.tags[index]!.pointee.key)] = text(span.tags[index]!.pointee.value) }
            object["tags"] = tags
        }
        if span.n_annotations > 0 {
            object["annotations"] = (0..<span.n_annotations).map { index -> NSDictionary in
                let annotation = span.annotations[index]!.pointee
                return ["timestamp": Int64(bitPattern: annotation.timestamp), "value": text(annotation.value)]
            }
        }
        return object
    }

    func decodeList(_ bytes: [UInt8]) throws -> [NSDictionary] {
        let list = try #require(bytes.withUnsafeBufferPointer {
            zipkin__proto3__list_of_spans__unpack(nil, $0.count, $0.baseAddress)
        })
        defer { zipkin__proto3__list_of_spans__free_unpacked(list, nil) }
        return (0..<list.pointee.n_spans).map { jsonShape(list.pointee.spans[$0]!.pointee) }
    }

    func jsonObjects(_ spans: [FinishedSpan]) throws -> [NSDictionary] {
        var buffer: [UInt8] = []
        ZipkinJSONEncoder().appendList(spans, to: &buffer)
        return try #require(try JSONSerialization.jsonObject(with: Data(buffer)) as? [NSDictionary])
    }

    @Test func everyVectorSpanCarriesWhatItsJSONObjectDoes() throws {
        let spans = WireVectors.spans.map(\.span)
        let decoded = try decodeList(ZipkinProtoEncoder().encodeList(spans))
        #expect(decoded == (try jsonObjects(spans)))
    }

    @Test func randomSpansCarryWhatTheirJSONObjectsDoAcrossReusedBuffers() throws {
        var random = SplitMix64(seed: 77)
        let encoder = ZipkinProtoEncoder()
        for batch in 0..<20 {
            let spans = (0..<(batch * 7 % 50)).map { _ in randomSpan(using: &random) }
            #expect(try decodeList(encoder.encodeList(spans)) == (try jsonObjects(spans)), "batch \(batch)")
        }
    }

    @Test func anEmptyListEncodesToNoBytes() {
        #expect(ZipkinProtoEncoder().encodeList([FinishedSpan]()).isEmpty)
    }
}

extension ZipkinProtoEncoderTests {
    @Test func spansOfSeveralTracersInOneBatchKeepTheirOwnDefaultTags() throws {
        func spans(_ defaults: [SpanTag], overriding: Bool) -> [FinishedSpan] {
            let reporter = InMemoryReporter()
            let tracer = DapperTracer(serviceName: "svc", reporter: reporter, sampler: .always, defaultTags: defaults)
            for index in 0..<4 {
                let span = tracer.new("op-\(index)")
                span.setTag("index", index)
                if overriding { span.setTag("region", "overridden-\(index)") }
                span.finish()
            }
            return reporter.spans
        }
        let first = spans([SpanTag(key: "region", value: "a"), SpanTag(key: "zone", value: "b")], overriding: false)
        let second = spans([SpanTag(key: "region", value: "c"), SpanTag(key: "host", value: "d")], overriding: false)
        let third = spans([SpanTag(key: "region", value: "e")], overriding: true)
        let mixed = Array(zip(first, second).flatMap { [$0, $1, $0] }) + third + WireVectors.spans.map(\.span) + second
        let encoder = ZipkinProtoEncoder()
        for batch in [mixed, second + first, mixed] {
            #expect(try decodeList(encoder.encodeList(batch)) == (try jsonObjects(batch)))
        }
    }
}
