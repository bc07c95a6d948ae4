import Dapper
import DapperZipkinWire

/// The tags and annotations the Zipkin mapping sends (Compatibility §9), worked out the obvious way,
/// independently of the encoders' scans and hash table: what their output is checked against.
///
/// - A tag is sent unless it is `span.kind` or a later tag has the same key; keys are the same
///   when they have as many UTF-8 bytes and are equal as strings (canonical equivalence).
/// - A log field is sent unless an earlier field has the same microsecond, key and value.
enum ZipkinReferenceMapping {
    private struct TagKey: Hashable {
        let length: Int
        let key: String
        init(_ key: String) {
            length = key.utf8.count
            self.key = key
        }
    }

    private struct AnnotationKey: Hashable {
        let microseconds: Int64
        let key: String
        let value: String
    }

    /// The sent tags as key and value text, in the order of the output.
    static func tags(_ tags: SpanTags) -> [(key: String, value: String)] {
        let all = Array(tags)
        var last: [TagKey: Int] = [:]
        for (index, tag) in all.enumerated() { last[TagKey(tag.key)] = index }
        return all.indices
            .filter { all[$0].key != "span.kind" && last[TagKey(all[$0].key)] == $0 }
            .map { (all[$0].key, all[$0].value.description) }
    }

    /// Nanoseconds to microseconds, halves away from zero.
    static func microseconds(_ nanos: Int64) -> Int64 { (nanos + (nanos < 0 ? -500 : 500)) / 1_000 }

    /// The sent annotations as microsecond and `"key : value"` text, in the order of the output.
    static func annotations(_ logs: [SpanLog]) -> [(timestamp: Int64, value: String)] {
        var seen = Set<AnnotationKey>()
        var result: [(timestamp: Int64, value: String)] = []
        for log in logs {
            let timestamp = microseconds(log.timestampNanos)
            for field in log.fields where seen.insert(AnnotationKey(microseconds: timestamp, key: field.key, value: field.value)).inserted {
                result.append((timestamp, "\(field.key) : \(field.value)"))
            }
        }
        return result
    }

    /// The Zipkin JSON of `span`, for spans whose strings need no escaping: the encoder's JSON of
    /// the span without tags and logs (but with its kind), then the reference's tags and
    /// annotations.
    static func json(_ span: FinishedSpan, encoder: ZipkinJSONEncoder = ZipkinJSONEncoder()) -> String {
        var bare = span
        bare.tags = SpanTags(Array(span.tags.filter { $0.key == "span.kind" }.suffix(1)))
        bare.logs = []
        var text = String(encoder.encode(bare).dropLast())
        let tags = tags(span.tags)
        if !tags.isEmpty {
            text += #","tags":{"# + tags.map { #""\#($0.key)":"\#($0.value)""# }.joined(separator: ",") + "}"
        }
        let annotations = annotations(span.logs)
        if !annotations.isEmpty {
            text += #","annotations":["#
                + annotations.map { #"{"timestamp":\#($0.timestamp),"value":"\#($0.value)"}"# }.joined(separator: ",") + "]"
        }
        return text + "}"
    }
}
