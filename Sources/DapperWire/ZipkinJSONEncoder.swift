import Dapper

/// Encodes finished spans as Zipkin v2 JSON (`POST /api/v2/spans`), with the mapping of
/// SPEC 9.
///
/// - `traceId`, `id`, `parentId`: 16 lower-case hex digits; no `parentId` on a root.
/// - `name`: the operation name; `localEndpoint.serviceName`: the service name.
/// - `kind`: from the last `span.kind` tag (`SERVER`, `CLIENT`, `PRODUCER`, `CONSUMER`);
///   `span.kind` itself is not sent as a tag.
/// - `timestamp`, `duration`: microseconds, rounded to the nearest; the duration is at least
///   1 µs, as Zipkin requires (a zero or negative duration is sent as 1).
/// - `tags`: every other tag as text (see ``Dapper/SpanTagValue/description``); when a key
///   repeats, the last value wins, as a JSON object allows one value per key.
/// - `annotations`: one per log field, `"key : value"` at the log's time in microseconds; a
///   field that repeats an earlier one in the same microsecond is sent once, as Zipkin's
///   schema wants a span's annotations unique.
///
/// The JSON is written straight into a byte buffer: no Foundation, and no allocation beyond
/// the buffer's growth and the text of non-string tag values.
public struct ZipkinJSONEncoder: Sendable {
    /// Creates an encoder.
    public init() {}

    /// Appends one span as a Zipkin v2 JSON object.
    public func append(_ span: FinishedSpan, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: #"{"traceId":""#.utf8)
        appendHex(span.context.traceID, to: &buffer)
        buffer.append(contentsOf: #"","id":""#.utf8)
        appendHex(span.context.spanID, to: &buffer)
        buffer.append(UInt8(ascii: "\""))
        if span.context.parentID != 0 {
            buffer.append(contentsOf: #","parentId":""#.utf8)
            appendHex(span.context.parentID, to: &buffer)
            buffer.append(UInt8(ascii: "\""))
        }
        buffer.append(contentsOf: #","name":"#.utf8)
        appendString(span.operationName, to: &buffer)
        if let kind = Self.kind(of: span) {
            buffer.append(contentsOf: #","kind":""#.utf8)
            buffer.append(contentsOf: kind.utf8)
            buffer.append(UInt8(ascii: "\""))
        }
        buffer.append(contentsOf: #","timestamp":"#.utf8)
        appendInteger(Self.microseconds(span.startTimeNanos), to: &buffer)
        buffer.append(contentsOf: #","duration":"#.utf8)
        appendInteger(max(1, Self.microseconds(span.durationNanos)), to: &buffer)
        buffer.append(contentsOf: #","localEndpoint":{"serviceName":"#.utf8)
        appendString(span.serviceName, to: &buffer)
        buffer.append(UInt8(ascii: "}"))
        appendTags(span.tags, to: &buffer)
        appendAnnotations(span.logs, to: &buffer)
        buffer.append(UInt8(ascii: "}"))
    }

    /// Appends a JSON array of spans: a `ListOfSpans` body for `POST /api/v2/spans`.
    public func appendList(_ spans: some Collection<FinishedSpan>, to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "["))
        var first = true
        for span in spans {
            if !first { buffer.append(UInt8(ascii: ",")) }
            first = false
            append(span, to: &buffer)
        }
        buffer.append(UInt8(ascii: "]"))
    }

    /// One span as a JSON string.
    public func encode(_ span: FinishedSpan) -> String {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(512)
        append(span, to: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    // MARK: Mapping

    static func kind(of span: FinishedSpan) -> String? {
        guard case .string(let kind)? = span.tags.last(where: { $0.key == SpanTagKey.spanKind })?.value else {
            return nil
        }
        switch kind {
        case "server": return "SERVER"
        case "client": return "CLIENT"
        case "producer": return "PRODUCER"
        case "consumer": return "CONSUMER"
        default: return nil
        }
    }

    /// Nanoseconds to microseconds, rounded to the nearest (halves away from zero).
    static func microseconds(_ nanos: Int64) -> Int64 {
        let (quotient, remainder) = nanos.quotientAndRemainder(dividingBy: 1_000)
        if remainder >= 500 { return quotient + 1 }
        if remainder <= -500 { return quotient - 1 }
        return quotient
    }

    private func appendTags(_ tags: SpanTags, to buffer: inout [UInt8]) {
        var first = true
        for (index, tag) in tags.enumerated() where tag.key != SpanTagKey.spanKind {
            // A key set again later is written once, with its last value.
            if tags[(index + 1)...].contains(where: { $0.key == tag.key }) { continue }
            buffer.append(contentsOf: first ? #","tags":{"#.utf8 : #","#.utf8)
            first = false
            appendString(tag.key, to: &buffer)
            buffer.append(UInt8(ascii: ":"))
            switch tag.value {
            case .string(let text): appendString(text, to: &buffer)
            case .bool(let flag): buffer.append(contentsOf: (flag ? #""true""# : #""false""#).utf8)
            case .int(let number):
                buffer.append(UInt8(ascii: "\""))
                appendInteger(number, to: &buffer)
                buffer.append(UInt8(ascii: "\""))
            case .double(let number): appendString(number.description, to: &buffer)
            }
        }
        if !first { buffer.append(UInt8(ascii: "}")) }
    }

    /// Whether the field at `fieldIndex` of log `logIndex` makes the same annotation as an
    /// earlier field: the same microsecond and the same key and value. Zipkin's schema requires
    /// a span's annotations to be unique, so such a repeat is left out.
    static func repeatsEarlierAnnotation(_ logs: [SpanLog], _ logIndex: Int, _ fieldIndex: Int, _ timestamp: Int64) -> Bool {
        let field = logs[logIndex].fields[fieldIndex]
        for earlierLog in 0...logIndex where microseconds(logs[earlierLog].timestampNanos) == timestamp {
            let fields = logs[earlierLog].fields
            let end = earlierLog == logIndex ? fieldIndex : fields.count
            for earlier in 0..<end where fields[earlier] == field { return true }
        }
        return false
    }

    private func appendAnnotations(_ logs: [SpanLog], to buffer: inout [UInt8]) {
        var first = true
        for (logIndex, log) in logs.enumerated() {
            let timestamp = Self.microseconds(log.timestampNanos)
            for (fieldIndex, field) in log.fields.enumerated() {
                if Self.repeatsEarlierAnnotation(logs, logIndex, fieldIndex, timestamp) { continue }
                buffer.append(contentsOf: first ? #","annotations":[{"timestamp":"#.utf8 : #",{"timestamp":"#.utf8)
                first = false
                appendInteger(timestamp, to: &buffer)
                buffer.append(contentsOf: #","value":""#.utf8)
                appendEscaped(field.key, to: &buffer)
                buffer.append(contentsOf: " : ".utf8)
                appendEscaped(field.value, to: &buffer)
                buffer.append(contentsOf: #""}"#.utf8)
            }
        }
        if !first { buffer.append(UInt8(ascii: "]")) }
    }

    // MARK: JSON text

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private func appendHex(_ value: UInt64, to buffer: inout [UInt8]) {
        var shift = 60
        while shift >= 0 {
            buffer.append(Self.hexDigits[Int((value >> UInt64(shift)) & 0xf)])
            shift -= 4
        }
    }

    private func appendInteger(_ value: Int64, to buffer: inout [UInt8]) {
        if value < 0 { buffer.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        // UInt64.max has 20 digits: written backwards into 20 bytes on the stack.
        var scratch: (UInt64, UInt64, UInt32) = (0, 0, 0)
        withUnsafeMutableBytes(of: &scratch) { digits in
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            buffer.append(contentsOf: digits[start...])
        }
    }

    private func appendString(_ text: String, to buffer: inout [UInt8]) {
        buffer.append(UInt8(ascii: "\""))
        appendEscaped(text, to: &buffer)
        buffer.append(UInt8(ascii: "\""))
    }

    /// JSON string content: `"` and `\` escaped, control characters as `\n`, `\t`, … or
    /// `\u00XX`; everything else (valid UTF-8, as every Swift string is) as it is.
    private func appendEscaped(_ text: String, to buffer: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): buffer.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): buffer.append(contentsOf: #"\\"#.utf8)
            case 0x0a: buffer.append(contentsOf: #"\n"#.utf8)
            case 0x0d: buffer.append(contentsOf: #"\r"#.utf8)
            case 0x09: buffer.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                buffer.append(contentsOf: #"\u00"#.utf8)
                buffer.append(Self.hexDigits[Int(byte >> 4)])
                buffer.append(Self.hexDigits[Int(byte & 0xf)])
            default: buffer.append(byte)
            }
        }
    }
}
