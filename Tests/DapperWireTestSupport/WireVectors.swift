import Dapper
import Foundation

/// The `spans` cases of `Tests/Fixtures/legacy-go.json` (produced by the Go original) as
/// finished spans with the bytes and Zipkin JSON expected of them.
package struct WireVector: Sendable, CustomStringConvertible {
    package var name: String
    package var span: FinishedSpan
    /// `span_proto_hex`: what this project must produce.
    package var bytes: [UInt8]
    /// `legacy_span_proto_hex`: what the Go original produced (float tags marked BOOL).
    package var legacyBytes: [UInt8]
    /// `zipkin_expected` as JSON data, when the vector has one.
    package var zipkinJSON: Data?

    package var description: String { name }
}

package enum WireVectors {
    package static let url: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // DapperWireTestSupport
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // package root
        .appendingPathComponent("Tests/Fixtures/legacy-go.json")
        .standardizedFileURL

    /// Every span case; empty when the file cannot be read (a test asserts that it can).
    package static let spans: [WireVector] = {
        guard let data = try? Data(contentsOf: url),
            let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let entries = root["spans"] as? [[String: Any]]
        else { return [] }
        return entries.map(vector)
    }()

    private static func vector(_ entry: [String: Any]) -> WireVector {
        func id(_ key: String) -> UInt64 { UInt64(entry[key] as? String ?? "") ?? 0 }
        func number(_ key: String) -> NSNumber { entry[key] as? NSNumber ?? 0 }
        let flags = SpanContext.Flags(rawValue: number("flags").uint8Value)
        let context = SpanContext(
            traceID: id("trace_id"), spanID: id("span_id"), parentID: id("parent_id"),
            flags: flags, probability: number("sampling_probability").floatValue)
        let tags = (entry["tags"] as? [[String: Any]] ?? []).map { tag -> SpanTag in
            let raw = tag["value"] as? NSNumber
            let value: SpanTagValue =
                switch tag["type"] as? String {
                case "string": .string(tag["value"] as? String ?? "")
                case "bool": .bool(raw?.boolValue ?? false)
                case "float32", "float64": .double(raw?.doubleValue ?? .nan)
                default: .int(raw?.int64Value ?? 0)
                }
            return SpanTag(key: tag["key"] as? String ?? "", value: value)
        }
        let logs = (entry["logs"] as? [[String: Any]] ?? []).map { log in
            SpanLog(
                timestampNanos: (log["timestamp_nanos"] as? NSNumber)?.int64Value ?? 0,
                fields: SpanLogFields(
                    (log["fields"] as? [[String: Any]] ?? []).map {
                        SpanLogField(key: $0["key"] as? String ?? "", value: $0["value"] as? String ?? "")
                    }))
        }
        let span = FinishedSpan(
            serviceName: entry["service_name"] as? String ?? "",
            operationName: entry["operation_name"] as? String ?? "",
            context: context,
            startTimeNanos: number("start_unix_seconds").int64Value * 1_000_000_000 + number("start_nanos").int64Value,
            durationNanos: number("duration_nanos").int64Value,
            tags: SpanTags(tags),
            logs: logs)
        let zipkin = (entry["zipkin_expected"]).flatMap { $0 is NSNull ? nil : $0 }
            .flatMap { try? JSONSerialization.data(withJSONObject: $0) }
        return WireVector(
            name: entry["name"] as? String ?? "?",
            span: span,
            bytes: hexBytes(entry["span_proto_hex"] as? String ?? ""),
            legacyBytes: hexBytes(entry["legacy_span_proto_hex"] as? String ?? ""),
            zipkinJSON: zipkin)
    }
}

package func hexBytes(_ hex: String) -> [UInt8] {
    var bytes: [UInt8] = []
    var iterator = hex.utf8.makeIterator()
    while let high = iterator.next(), let low = iterator.next() {
        bytes.append(UInt8(hexDigit(high) << 4 | hexDigit(low)))
    }
    return bytes
}

private func hexDigit(_ byte: UInt8) -> UInt8 {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    default: 0
    }
}

package func hex(_ bytes: some Sequence<UInt8>) -> String {
    bytes.map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }.joined()
}
