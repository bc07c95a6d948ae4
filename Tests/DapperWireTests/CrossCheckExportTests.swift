import Dapper
import DapperCollector
import DapperWire
import DapperWireTestSupport
import Foundation
import Testing

/// Writes encoder output for the independent check of `Scripts/crosscheck-span-proto.py`
/// (Python's `protobuf` package with code `protoc` generated from Protos/span.proto); the
/// Zipkin encoders' export is `ZipkinCrossCheckExportTests`, over the same spans.
///
/// Runs when `DAPPER_CROSSCHECK_DIR` names a directory; `Scripts/test` sets it, then runs
/// the Python check over what was written.
@Suite struct CrossCheckExportTests {
    @Test(.enabled(if: CrossCheckSpans.directory != nil))
    func encodedSpansAreWrittenWithTheirFieldsForThePythonDecoder() throws {
        let directory = try #require(CrossCheckSpans.directory)
        let spans = CrossCheckSpans.spans()
        let encoder = SpanEncoder()
        for (index, span) in spans.enumerated() {
            let bytes = try encoder.encode(span)
            let decoded = try SpanDecoder().decode(bytes)  // the fields as sent (after any shrink)
            let name = String(format: "%04d", index)
            try Data(bytes).write(to: URL(fileURLWithPath: "\(directory)/\(name).bin"))
            let json = try JSONSerialization.data(withJSONObject: Self.fields(decoded), options: [.sortedKeys])
            try json.write(to: URL(fileURLWithPath: "\(directory)/\(name).json"))
        }
        #expect(spans.count > 300)
    }

    /// The span's fields as the Python side reads them from the message.
    static func fields(_ span: FinishedSpan) -> [String: Any] {
        func hex(_ bytes: some Sequence<UInt8>) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
        func bigEndian(_ value: UInt64) -> String { hex(withUnsafeBytes(of: value.bigEndian) { Array($0) }) }
        let tags: [[String: Any]] = span.tags.map { tag in
            let (kind, value): (Int, String) =
                switch tag.value {
                case .string(let text): (0, hex(text.utf8))
                case .int(let number): (1, bigEndian(UInt64(bitPattern: number)))
                case .bool(let flag): (2, flag ? "01" : "00")
                case .double(let number): (3, bigEndian(number.bitPattern))
                }
            return ["key": hex(tag.key.utf8), "kind": kind, "value": value]
        }
        let logs: [[String: Any]] = span.logs.map { log in
            ["timestamp": String(log.timestampNanos),
             "fields": log.fields.map { ["key": hex($0.key.utf8), "value": hex($0.value.utf8)] }]
        }
        let references: [[String: Any]] = span.references.map {
            ["ref_type": Int($0.kind.rawValue), "trace_id": String($0.traceID), "span_id": String($0.spanID)]
        }
        return [
            "service_name": hex(span.serviceName.utf8),
            "operation_name": hex(span.operationName.utf8),
            "trace_id": String(span.context.traceID),
            "span_id": String(span.context.spanID),
            "parent_id": String(span.context.parentID),
            "sampling_probability_bits": Int(span.context.probability.bitPattern),
            "start_nanos": String(span.startTimeNanos),
            "duration_nanos": String(span.durationNanos),
            "tags": tags, "logs": logs, "references": references,
        ]
    }
}
