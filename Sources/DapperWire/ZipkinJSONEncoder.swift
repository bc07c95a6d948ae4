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
        appendLiteral(#"{"traceId":""#, to: &buffer)
        appendHex(span.context.traceID, to: &buffer)
        appendLiteral(#"","id":""#, to: &buffer)
        appendHex(span.context.spanID, to: &buffer)
        buffer.append(UInt8(ascii: "\""))
        if span.context.parentID != 0 {
            appendLiteral(#","parentId":""#, to: &buffer)
            appendHex(span.context.parentID, to: &buffer)
            buffer.append(UInt8(ascii: "\""))
        }
        appendLiteral(#","name":"#, to: &buffer)
        appendString(span.operationName, to: &buffer)
        if let kind = Self.kind(of: span) {
            appendLiteral(#","kind":""#, to: &buffer)
            appendLiteral(kind.name, to: &buffer)
            buffer.append(UInt8(ascii: "\""))
        }
        appendLiteral(#","timestamp":"#, to: &buffer)
        appendInteger(Self.microseconds(span.startTimeNanos), to: &buffer)
        appendLiteral(#","duration":"#, to: &buffer)
        appendInteger(max(1, Self.microseconds(span.durationNanos)), to: &buffer)
        appendLiteral(#","localEndpoint":{"serviceName":"#, to: &buffer)
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

    /// Zipkin's span kinds, numbered as in zipkin.proto.
    enum Kind: Int32 {
        case client = 1, server, producer, consumer

        var name: StaticString {
            switch self {
            case .client: "CLIENT"
            case .server: "SERVER"
            case .producer: "PRODUCER"
            case .consumer: "CONSUMER"
            }
        }
    }

    /// The kind named by the span's last `span.kind` tag, if Zipkin has it.
    static func kind(of span: FinishedSpan) -> Kind? {
        func last(in tags: UnsafeBufferPointer<SpanTag>) -> Kind?? {
            for index in tags.indices.reversed() where tags[index].key.utf8.count == 9 && tags[index].key == SpanTagKey.spanKind {
                guard case .string(let kind) = tags[index].value else { return .some(nil) }
                switch kind {
                case "server": return .server
                case "client": return .client
                case "producer": return .producer
                case "consumer": return .consumer
                default: return .some(nil)
                }
            }
            return nil  // no span.kind tag here
        }
        return span.tags.withBuffers { shared, own in
            if let kind = last(in: own) { return kind }
            return last(in: shared) ?? nil
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
        tags.withUniqueTags { tag in
            appendLiteral(first ? #","tags":{"# : #","#, to: &buffer)
            first = false
            appendString(tag.pointee.key, to: &buffer)
            buffer.append(UInt8(ascii: ":"))
            switch tag.pointee.value {
            case .string(let text): appendString(text, to: &buffer)
            case .bool(let flag): appendLiteral(flag ? #""true""# : #""false""#, to: &buffer)
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
                appendLiteral(first ? #","annotations":[{"timestamp":"# : #",{"timestamp":"#, to: &buffer)
                first = false
                appendInteger(timestamp, to: &buffer)
                appendLiteral(#","value":""#, to: &buffer)
                appendEscaped(field.key, to: &buffer)
                appendLiteral(" : ", to: &buffer)
                appendEscaped(field.value, to: &buffer)
                appendLiteral(#""}"#, to: &buffer)
            }
        }
        if !first { buffer.append(UInt8(ascii: "]")) }
    }

    // MARK: JSON text

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends a literal's bytes with one copy (a `String.UTF8View` goes byte by byte).
    @inline(__always)
    private func appendLiteral(_ text: StaticString, to buffer: inout [UInt8]) {
        buffer.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private func appendHex(_ value: UInt64, to buffer: inout [UInt8]) {
        var digits: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &digits) { bytes in
            for index in 0..<16 {
                bytes[index] = Self.hexDigits[Int((value >> UInt64(60 - 4 * index)) & 0xf)]
            }
            buffer.append(contentsOf: UnsafeRawBufferPointer(bytes))
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
    /// `\u00XX`; everything else (valid UTF-8, as every Swift string is) as it is. Runs of
    /// plain bytes are copied at once.
    private func appendEscaped(_ text: String, to buffer: inout [UInt8]) {
        let copied: Void? = text.utf8.withContiguousStorageIfAvailable { bytes in
            var start = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                appendEscape(byte, to: &buffer)
                start = index + 1
            }
            buffer.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
        if copied == nil {
            for byte in text.utf8 {
                if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                    appendEscape(byte, to: &buffer)
                } else {
                    buffer.append(byte)
                }
            }
        }
    }

    private func appendEscape(_ byte: UInt8, to buffer: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): appendLiteral(#"\""#, to: &buffer)
        case UInt8(ascii: "\\"): appendLiteral(#"\\"#, to: &buffer)
        case 0x0a: appendLiteral(#"\n"#, to: &buffer)
        case 0x0d: appendLiteral(#"\r"#, to: &buffer)
        case 0x09: appendLiteral(#"\t"#, to: &buffer)
        default:
            appendLiteral(#"\u00"#, to: &buffer)
            buffer.append(Self.hexDigits[Int(byte >> 4)])
            buffer.append(Self.hexDigits[Int(byte & 0xf)])
        }
    }
}

extension SpanTags {
    /// Calls `body` with each tag Zipkin gets, read in place: every tag but `span.kind`, and
    /// of a key set more than once only its last value.
    func withUniqueTags(_ body: (UnsafePointer<SpanTag>) -> Void) {
        withBuffers { shared, own in
            let count = shared.count + own.count
            func tag(_ index: Int) -> UnsafePointer<SpanTag> {
                index < shared.count ? shared.baseAddress! + index : own.baseAddress! + (index - shared.count)
            }
            for index in 0..<count {
                let current = tag(index)
                // Lengths first: they differ for nearly every pair of keys, and cost nothing.
                let length = current.pointee.key.utf8.count
                if length == 9, current.pointee.key == SpanTagKey.spanKind { continue }
                var repeated = false
                var later = index + 1
                while later < count {
                    let other = tag(later)
                    if other.pointee.key.utf8.count == length, other.pointee.key == current.pointee.key {
                        repeated = true
                        break
                    }
                    later += 1
                }
                if !repeated { body(current) }
            }
        }
    }
}
