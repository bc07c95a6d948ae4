import CDapperSpanProto
import CProtobufC
import Dapper

/// Decodes `dapper.trace.Span` bytes (`span.proto`, protocol version 1), as the Go original
/// and ``/DapperWire/SpanEncoder`` send them, through protobuf-c.
///
/// Input comes from the network, so every problem is a typed ``SpanDecodingError``: input
/// over ``maximumSize``, bytes protobuf-c cannot parse, an unknown version, text that is not
/// UTF-8, a tag value of the wrong width, a time that does not fit in nanoseconds.
///
/// protobuf-c allocates from an arena the decoder owns and resets after each span, so
/// decoding does not call `malloc` for the C message; only the Swift values it returns do.
/// That makes a decoder single-threaded: give each reading thread its own.
///
/// What span.proto does not carry comes back as follows: the context's flags are
/// ``/Dapper/SpanContext/Flags/sampled`` (only sampled spans are reported), plus
/// ``/Dapper/SpanContext/Flags/debug`` when the span has the tag `debug = true`; the level is 1.
/// A float tag the Go original marked `BOOL` (Compatibility §7) is recognised by its 8-byte value and
/// decoded as a double.
public final class SpanDecoder {
    /// The largest input accepted by default: 64 KiB, twice the largest datagram.
    public static let defaultMaximumSize = 64 * 1024

    /// The largest input accepted, in bytes.
    public let maximumSize: Int

    private let arena: DecodeArena
    private var allocator: ProtobufCAllocator

    /// Creates a decoder that rejects input larger than `maximumSize` bytes.
    public init(maximumSize: Int = SpanDecoder.defaultMaximumSize) {
        self.maximumSize = maximumSize
        arena = DecodeArena(capacity: 16 * 1024)
        allocator = ProtobufCAllocator(
            alloc: { data, size in
                Unmanaged<DecodeArena>.fromOpaque(data!).takeUnretainedValue().allocate(size)
            },
            free: { _, _ in },
            allocator_data: Unmanaged.passUnretained(arena).toOpaque())
    }

    /// Decodes one span.
    public func decode(_ bytes: UnsafeRawBufferPointer) throws(SpanDecodingError) -> FinishedSpan {
        guard bytes.count <= maximumSize else { throw .tooLarge(size: bytes.count, limit: maximumSize) }
        arena.reset()
        // protobuf-c reads nothing from a zero-length input; any non-null pointer will do.
        let data = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? UnsafePointer(bitPattern: 1)!
        guard let message = dapper__trace__span__unpack(&allocator, bytes.count, data) else {
            throw .malformed
        }
        return try Self.span(from: message.pointee)
    }

    /// Decodes one span from an array or other contiguous bytes.
    public func decode(_ bytes: some Collection<UInt8>) throws(SpanDecodingError) -> FinishedSpan {
        let result = bytes.withContiguousStorageIfAvailable { buffer in
            Result { () throws(SpanDecodingError) in try decode(UnsafeRawBufferPointer(buffer)) }
        }
        if let result { return try result.get() }
        return try decode(Array(bytes))
    }

    private static func span(from message: Dapper__Trace__Span) throws(SpanDecodingError) -> FinishedSpan {
        guard message.version == 1 else { throw .unsupportedVersion(Int(message.version)) }
        let serviceName = try text(message.service_name, field: "service_name")
        let operationName = try text(message.operation_name, field: "operation_name")

        var tags: [SpanTag] = []
        tags.reserveCapacity(message.n_tags)
        var isDebug = false
        for index in 0..<message.n_tags {
            guard let tag = message.tags[index]?.pointee else { throw .malformed }
            let decoded = try self.tag(tag)
            if decoded.key == SpanTagKey.debug, decoded.value == .bool(true) { isDebug = true }
            tags.append(decoded)
        }

        var logs: [SpanLog] = []
        logs.reserveCapacity(message.n_logs)
        for index in 0..<message.n_logs {
            guard let log = message.logs[index]?.pointee else { throw .malformed }
            logs.append(try self.log(log))
        }

        var references: [SpanReference] = []
        for index in 0..<message.n_references {
            guard let reference = message.references[index]?.pointee else { throw .malformed }
            let raw = reference.ref_type.rawValue
            guard let kind = Int32(exactly: raw).flatMap(SpanReference.Kind.init(rawValue:)) else {
                throw .unknownReferenceType(Int(raw))
            }
            references.append(SpanReference(kind: kind, traceID: reference.trace_id, spanID: reference.span_id))
        }

        var flags: SpanContext.Flags = .sampled
        if isDebug { flags.insert(.debug) }
        let start = message.start_time?.pointee
        let duration = message.duration?.pointee
        return FinishedSpan(
            serviceName: serviceName,
            operationName: operationName,
            context: SpanContext(
                traceID: message.trace_id, traceIDHigh: message.trace_id_high, spanID: message.span_id,
                parentID: message.parent_id, flags: flags, probability: message.sampling_probability),
            startTimeNanos: try nanoseconds(start?.seconds ?? 0, Int64(start?.nanos ?? 0), field: "start_time"),
            durationNanos: try nanoseconds(duration?.seconds ?? 0, Int64(duration?.nanos ?? 0), field: "duration"),
            tags: SpanTags(tags),
            logs: logs,
            references: references)
    }

    private static func tag(_ tag: Dapper__Trace__Tag) throws(SpanDecodingError) -> SpanTag {
        let key = try text(tag.key, field: "tags.key")
        let kind = tag.kind.rawValue
        let value = tag.value
        switch (kind, value.len) {
        case (DAPPER__TRACE__TAG__KIND__STRING.rawValue, _):
            return SpanTag(key: key, value: .string(try text(value, field: "tags.value")))
        case (DAPPER__TRACE__TAG__KIND__INT.rawValue, 8):
            return SpanTag(key: key, value: .int(Int64(bitPattern: bigEndian(value))))
        case (DAPPER__TRACE__TAG__KIND__BOOL.rawValue, 1):
            return SpanTag(key: key, value: .bool(value.data[0] != 0))
        case (DAPPER__TRACE__TAG__KIND__FLOAT.rawValue, 8), (DAPPER__TRACE__TAG__KIND__BOOL.rawValue, 8):
            // BOOL with 8 bytes: the Go original's float tags (Compatibility §7).
            return SpanTag(key: key, value: .double(Double(bitPattern: bigEndian(value))))
        case (DAPPER__TRACE__TAG__KIND__INT.rawValue, _), (DAPPER__TRACE__TAG__KIND__BOOL.rawValue, _),
            (DAPPER__TRACE__TAG__KIND__FLOAT.rawValue, _):
            throw .invalidTagValue(key: key, kind: Int(kind), length: value.len)
        default:
            throw .unknownTagKind(key: key, kind: Int(kind))
        }
    }

    private static func log(_ log: Dapper__Trace__Log) throws(SpanDecodingError) -> SpanLog {
        var fields: [SpanLogField] = []
        fields.reserveCapacity(log.n_fields)
        for index in 0..<log.n_fields {
            guard let field = log.fields[index]?.pointee else { throw .malformed }
            fields.append(
                SpanLogField(
                    key: try text(field.key, field: "logs.fields.key"),
                    value: try text(field.value, field: "logs.fields.value")))
        }
        // Before `fields`, a log was one key and value; keep such a log's content.
        if fields.isEmpty, log.key.len > 0 {
            fields.append(
                SpanLogField(key: try text(log.key, field: "logs.key"), value: try text(log.value, field: "logs.value")))
        }
        return SpanLog(timestampNanos: log.timestamp, fields: SpanLogFields(fields))
    }

    private static func text(_ data: ProtobufCBinaryData, field: String) throws(SpanDecodingError) -> String {
        guard data.len > 0, let bytes = data.data else { return "" }
        guard let string = String(validating: UnsafeBufferPointer(start: bytes, count: data.len), as: UTF8.self) else {
            throw .invalidUTF8(field: field)
        }
        return string
    }

    private static func bigEndian(_ data: ProtobufCBinaryData) -> UInt64 {
        UInt64(bigEndian: UnsafeRawPointer(data.data!).loadUnaligned(as: UInt64.self))
    }

    private static func nanoseconds(_ seconds: Int64, _ nanos: Int64, field: String) throws(SpanDecodingError) -> Int64 {
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (sum, overflow2) = scaled.addingReportingOverflow(nanos)
        guard !overflow, !overflow2 else { throw .timeOutOfRange(field: field) }
        return sum
    }
}
