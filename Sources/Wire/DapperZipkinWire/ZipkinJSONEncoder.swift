import Dapper
import DapperWire

/// Encodes finished spans as Zipkin v2 JSON (`POST /api/v2/spans`), with the mapping of
/// Compatibility §9.
///
/// - `traceId`, `id`, `parentId`: 16 lower-case hex digits; no `parentId` on a root. A trace
///   ID with a non-zero ``/Dapper/SpanContext/traceIDHigh`` has 32, the high half first, as
///   Zipkin writes a 128-bit ID.
/// - `name`: the operation name; `localEndpoint.serviceName`: the service name.
/// - `kind`: from the last `span.kind` tag (`SERVER`, `CLIENT`, `PRODUCER`, `CONSUMER`);
///   `span.kind` itself is not sent as a tag.
/// - `timestamp`, `duration`: microseconds, rounded to the nearest; the duration is at least
///   1 µs, as Zipkin requires (a zero or negative duration is sent as 1).
/// - `tags`: every other tag as text (see ``/Dapper/SpanTagValue/description``); when a key
///   repeats, the last value wins, as a JSON object allows one value per key.
/// - `annotations`: one per log field, `"key : value"` at the log's time in microseconds; a
///   field that repeats an earlier one in the same microsecond is sent once, as Zipkin's
///   schema wants a span's annotations unique.
///
/// The JSON is written straight into a byte buffer: no Foundation, and no allocation beyond
/// the buffer's growth, the text of non-string tag values and, for a span of more than 32 tags
/// or log fields, the table that finds repeats in linear time.
public struct ZipkinJSONEncoder: Sendable {
    /// Creates an encoder.
    public init() {}

    /// Appends one span as a Zipkin v2 JSON object.
    public func append(_ span: FinishedSpan, to buffer: inout [UInt8]) {
        append(span, to: &buffer, prefixCache: nil)
    }

    /// Appends one span, reusing `prefixCache`'s rendering of the tracer's shared tags (the
    /// default tags) when the span has the same prefix: for a single-threaded sender that
    /// encodes many spans of one tracer.
    @_spi(Benchmarks) public func append(_ span: FinishedSpan, to buffer: inout [UInt8], prefixCache: ZipkinTagPrefixCache?) {
        withUnsafePointer(to: span) { append($0, to: &buffer, prefixCache: prefixCache) }
    }

    /// Appends the span at `span`, read in place.
    private func append(_ span: UnsafePointer<FinishedSpan>, to buffer: inout [UInt8], prefixCache: ZipkinTagPrefixCache?) {
        // The JSON is written through a pointer into room made for it first, sized from an
        // upper bound; appending to the array piece by piece costs a capacity and
        // uniqueness check per piece.
        let bound = Self.upperBound(span)
        let start = buffer.count
        var remaining = bound
        while remaining > 0 {
            let chunk = min(remaining, Self.zeros.count)
            buffer.append(contentsOf: Self.zeros[..<chunk])
            remaining -= chunk
        }
        let written = buffer.withUnsafeMutableBufferPointer { all in
            var writer = JSONWriter(all.baseAddress! + start)
            write(span, to: &writer, prefixCache: prefixCache)
            return writer.count
        }
        buffer.removeLast(bound - written)
    }

    private static let zeros = [UInt8](repeating: 0, count: 16 * 1024)

    /// At least as many bytes as the span's JSON takes: every string at 6 bytes per byte (the
    /// `\u00XX` escape), every number at its longest.
    static func upperBound(_ span: UnsafePointer<FinishedSpan>) -> Int {
        var bound = 256 + 6 * (span.pointee.serviceName.utf8.count + span.pointee.operationName.utf8.count)
        for tag in span.pointee.tags {
            bound += 8 + 6 * tag.key.utf8.count
            if case .string(let text) = tag.value { bound += 6 * text.utf8.count } else { bound += 48 }
        }
        for log in span.pointee.logs {
            for field in log.fields { bound += 64 + 6 * (field.key.utf8.count + field.value.utf8.count) }
        }
        return bound
    }

    private func write(_ span: UnsafePointer<FinishedSpan>, to writer: inout JSONWriter, prefixCache: ZipkinTagPrefixCache?) {
        writer.literal(#"{"traceId":""#)
        // 32 hex digits for a 128-bit trace ID, as Zipkin writes it; 16 otherwise.
        if span.pointee.context.traceIDHigh != 0 { writer.hex(span.pointee.context.traceIDHigh) }
        writer.hex(span.pointee.context.traceID)
        writer.literal(#"","id":""#)
        writer.hex(span.pointee.context.spanID)
        writer.byte(UInt8(ascii: "\""))
        if span.pointee.context.parentID != 0 {
            writer.literal(#","parentId":""#)
            writer.hex(span.pointee.context.parentID)
            writer.byte(UInt8(ascii: "\""))
        }
        writer.literal(#","name":"#)
        writer.string(span.pointee.operationName)
        if let kind = Self.kind(of: span.pointee.tags) {
            writer.literal(#","kind":""#)
            writer.literal(kind.name)
            writer.byte(UInt8(ascii: "\""))
        }
        writer.literal(#","timestamp":"#)
        writer.integer(Self.microseconds(span.pointee.startTimeNanos))
        writer.literal(#","duration":"#)
        writer.integer(max(1, Self.microseconds(span.pointee.durationNanos)))
        writer.literal(#","localEndpoint":{"serviceName":"#)
        writer.string(span.pointee.serviceName)
        writer.byte(UInt8(ascii: "}"))
        if let prefixCache, prefixCache.write(span.pointee.tags, to: &writer, encoder: self) {
            // The cached prefix and the span's own tags are written.
        } else {
            writeTags(span.pointee.tags, to: &writer)
        }
        writeAnnotations(span.pointee.logs, to: &writer)
        writer.byte(UInt8(ascii: "}"))
    }

    /// Appends a JSON array of spans: a `ListOfSpans` body for `POST /api/v2/spans`.
    public func appendList(_ spans: some Collection<FinishedSpan>, to buffer: inout [UInt8]) {
        appendList(spans, to: &buffer, prefixCache: nil)
    }

    /// Appends a JSON array of spans, reusing `prefixCache` (see
    /// ``append(_:to:prefixCache:)``).
    @_spi(Benchmarks) public func appendList(
        _ spans: some Collection<FinishedSpan>, to buffer: inout [UInt8], prefixCache: ZipkinTagPrefixCache?
    ) {
        buffer.append(UInt8(ascii: "["))
        // Through contiguous storage when there is one: iterating a generic collection reads
        // each element through a coroutine, which allocates.
        let done: Void? = spans.withContiguousStorageIfAvailable { spans in
            for index in spans.indices {
                if index > 0 { buffer.append(UInt8(ascii: ",")) }
                append(spans.baseAddress! + index, to: &buffer, prefixCache: prefixCache)
            }
        }
        if done == nil {
            var first = true
            for span in spans {
                if !first { buffer.append(UInt8(ascii: ",")) }
                first = false
                append(span, to: &buffer, prefixCache: prefixCache)
            }
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
    static func kind(of span: FinishedSpan) -> Kind? { kind(of: span.tags) }

    /// The kind named by the last `span.kind` tag of `tags`, if Zipkin has it.
    static func kind(of tags: SpanTags) -> Kind? {
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
        return tags.withBuffers { shared, own in
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

    private func writeTags(_ tags: SpanTags, to writer: inout JSONWriter) {
        var first = true
        // This encoder is a stateless value: a span with many tags gets a table of its own.
        var repeats: RepeatFinder? = nil
        tags.withUniqueTags(repeats: &repeats) { tag in
            writer.literal(first ? #","tags":{"# : #","#)
            first = false
            writeTag(tag, to: &writer)
        }
        if !first { writer.byte(UInt8(ascii: "}")) }
    }

    /// `"key":"value"`.
    func writeTag(_ tag: UnsafePointer<SpanTag>, to writer: inout JSONWriter) {
        writer.string(tag.pointee.key)
        writer.byte(UInt8(ascii: ":"))
        switch tag.pointee.value {
        case .string(let text): writer.string(text)
        case .bool(let flag): writer.literal(flag ? #""true""# : #""false""#)
        case .int(let number):
            writer.byte(UInt8(ascii: "\""))
            writer.integer(number)
            writer.byte(UInt8(ascii: "\""))
        case .double(let number): writer.string(number.description)
        }
    }

    /// Whether `field`, the field at `fieldIndex` of the log at `logIndex`, makes the same
    /// annotation as an earlier field: the same microsecond and the same key and value. Zipkin's
    /// schema requires a span's annotations to be unique, so such a repeat is left out.
    ///
    /// `ordinal` counts the span's fields before this one. The first
    /// ``RepeatFinder/linearScanLimit`` fields are compared, in place, with every earlier
    /// one; from the next on, the span's fields go through `repeats`' table (made then if there
    /// is none), so that a span of thousands of fields costs linear time, and a typical span
    /// neither counts its fields first nor allocates.
    static func repeatsEarlierAnnotation(
        _ logs: UnsafeBufferPointer<SpanLog>, _ logIndex: Int, _ field: borrowing SpanLogField, _ fieldIndex: Int,
        _ timestamp: Int64, ordinal: Int, repeats: inout RepeatFinder?
    ) -> Bool {
        guard ordinal < RepeatFinder.linearScanLimit else {
            return repeatsEarlierAnnotationInTable(logs, logIndex, field, fieldIndex, timestamp, ordinal: ordinal, repeats: &repeats)
        }
        // The first field, and the only one of the usual log, has nothing to repeat.
        guard ordinal > 0 else { return false }
        let base = logs.baseAddress!
        for earlierLog in 0...logIndex where microseconds(base[earlierLog].timestampNanos) == timestamp {
            let end = earlierLog == logIndex ? fieldIndex : Int.max
            if (base + earlierLog).pointee.fields.containsInPlace(field, before: end) { return true }
        }
        return false
    }

    /// ``repeatsEarlierAnnotation(_:_:_:_:_:ordinal:repeats:)`` past the scan's limit: out of
    /// line, so that the typical span's code stays small.
    @inline(never)
    private static func repeatsEarlierAnnotationInTable(
        _ logs: UnsafeBufferPointer<SpanLog>, _ logIndex: Int, _ field: borrowing SpanLogField, _ fieldIndex: Int,
        _ timestamp: Int64, ordinal: Int, repeats: inout RepeatFinder?
    ) -> Bool {
        // Moved out and back, so that the table is never copied.
        var table = repeats.take() ?? RepeatFinder()
        if ordinal == RepeatFinder.linearScanLimit { table.startAnnotations(logs, before: logIndex, fieldIndex) }
        let repeated = table.repeatsEarlierAnnotation(logs, logIndex, field, fieldIndex, timestamp)
        repeats = table
        return repeated
    }

    private func writeAnnotations(_ logs: [SpanLog], to writer: inout JSONWriter) {
        var first = true
        logs.withUnsafeBufferPointer { logs in
            // This encoder is a stateless value: a span with many fields gets a table of its own.
            var repeats: RepeatFinder? = nil
            var ordinal = 0
            for logIndex in logs.indices {
                let log = logs.baseAddress! + logIndex
                let timestamp = Self.microseconds(log.pointee.timestampNanos)
                log.pointee.fields.forEachInPlace { fieldIndex, field in
                    ordinal += 1
                    if Self.repeatsEarlierAnnotation(
                        logs, logIndex, field, fieldIndex, timestamp, ordinal: ordinal - 1, repeats: &repeats)
                    {
                        return
                    }
                    writer.literal(first ? #","annotations":[{"timestamp":"# : #",{"timestamp":"#)
                    first = false
                    writer.integer(timestamp)
                    writer.literal(#","value":""#)
                    writer.escaped(field.key)
                    writer.literal(" : ")
                    writer.escaped(field.value)
                    writer.literal(#""}"#)
                }
            }
        }
        if !first { writer.byte(UInt8(ascii: "]")) }
    }
}

/// Writes JSON text through a pointer into room the caller has made (see
/// ``ZipkinJSONEncoder/upperBound(_:)``).
struct JSONWriter {
    private let start: UnsafeMutablePointer<UInt8>
    private var cursor: UnsafeMutablePointer<UInt8>

    init(_ start: UnsafeMutablePointer<UInt8>) {
        self.start = start
        cursor = start
    }

    /// Bytes written so far.
    var count: Int { cursor - start }

    @inline(__always)
    mutating func byte(_ byte: UInt8) {
        cursor.pointee = byte
        cursor += 1
    }

    @inline(__always)
    mutating func literal(_ text: StaticString) {
        cursor.update(from: text.utf8Start, count: text.utf8CodeUnitCount)
        cursor += text.utf8CodeUnitCount
    }

    /// 16 lower-case hex digits.
    mutating func hex(_ value: UInt64) {
        Hex.write16(value, to: cursor)
        cursor += 16
    }

    mutating func integer(_ value: Int64) {
        if value < 0 { byte(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        // UInt64.max has 20 digits: written backwards into 20 bytes on the stack.
        var scratch: (UInt64, UInt64, UInt32) = (0, 0, 0)
        withUnsafeMutableBytes(of: &scratch) { digits in
            var first = digits.count
            repeat {
                first -= 1
                digits[first] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            let count = digits.count - first
            UnsafeMutableRawPointer(cursor).copyMemory(from: digits.baseAddress! + first, byteCount: count)
            cursor += count
        }
    }

    /// A JSON string: quotes around the escaped text.
    mutating func string(_ text: String) {
        byte(UInt8(ascii: "\""))
        escaped(text)
        byte(UInt8(ascii: "\""))
    }

    /// JSON string content: `"` and `\` escaped, control characters as `\n`, `\t`, … or
    /// `\u00XX`; everything else (valid UTF-8, as every Swift string is) as it is. Runs of
    /// plain bytes are copied at once.
    mutating func escaped(_ text: String) {
        var writer = self
        let copied: Void? = text.utf8.withContiguousStorageIfAvailable { bytes in
            var runStart = 0
            var index = 0
            let count = bytes.count
            let base = UnsafeRawPointer(bytes.baseAddress!)
            while index < count {
                // Eight bytes at a time while none of them needs escaping (SWAR).
                while index + 8 <= count, !Self.needsEscape(base.loadUnaligned(fromByteOffset: index, as: UInt64.self)) {
                    index += 8
                }
                guard index < count else { break }
                let byte = bytes[index]
                if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                    writer.bytes(UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                    writer.escape(byte)
                    runStart = index + 1
                }
                index += 1
            }
            writer.bytes(UnsafeBufferPointer(rebasing: bytes[runStart...]))
        }
        if copied == nil {
            for byte in text.utf8 {
                if byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                    writer.escape(byte)
                } else {
                    writer.byte(byte)
                }
            }
        }
        self = writer
    }

    /// Whether any of the eight bytes of `word` is below 0x20, `"` or `\\`.
    @inline(__always)
    private static func needsEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func hasZero(_ value: UInt64) -> Bool { (value &- ones) & ~value & highs != 0 }
        let below = (word &- ones &* 0x20) & ~word & highs != 0
        return below || hasZero(word ^ (ones &* 0x22)) || hasZero(word ^ (ones &* 0x5c))
    }

    /// Bytes that are already JSON.
    mutating func raw(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes(bytes) }

    private mutating func bytes(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        cursor.update(from: base, count: bytes.count)
        cursor += bytes.count
    }

    private mutating func escape(_ value: UInt8) {
        switch value {
        case UInt8(ascii: "\""): literal(#"\""#)
        case UInt8(ascii: "\\"): literal(#"\\"#)
        case 0x0a: literal(#"\n"#)
        case 0x0d: literal(#"\r"#)
        case 0x09: literal(#"\t"#)
        default:
            literal(#"\u00"#)
            byte(Hex.digit(value >> 4))
            byte(Hex.digit(value))
        }
    }
}
