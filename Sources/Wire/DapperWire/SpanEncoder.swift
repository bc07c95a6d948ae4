import CDapperSpanProto
import CProtobufC
import Dapper

/// Encodes finished spans as `dapper.trace.Span` (`span.proto`, protocol version 1) through
/// protobuf-c, byte for byte as the Go original does (Compatibility §7).
///
/// An encoder owns its buffers: the C message structs, an arena that holds copies of the
/// span's strings and tag values, and the output buffer. They grow to the largest span seen
/// and are then reused, so encoding allocates nothing in steady state. That makes an encoder
/// single-threaded: give each writer thread its own.
///
/// A span larger than ``maximumSize`` is shrunk (Compatibility §7): log entries are dropped from the
/// end, then references, then tags, and the tag `trace.error = "span truncated"` is added.
/// What was dropped is reported in ``SpanEncoding``. A span that is too large even with no
/// tags, logs and references left throws ``SpanEncodingError/oversize(size:limit:)``.
///
/// ```swift
/// let encoder = SpanEncoder()
/// try encoder.withEncodedBytes(of: span) { bytes, encoding in
///     send(bytes)
/// }
/// ```
public final class SpanEncoder {
    /// The largest encoding this encoder produces, in bytes: 32 KiB, one datagram (Compatibility §7).
    public static let defaultMaximumSize = 32 * 1024

    /// The largest encoding this encoder produces, in bytes.
    public let maximumSize: Int

    // The buffers are only touched from inside this class's methods, one call at a time (the
    // class is not Sendable), so the per-access exclusivity checks would only cost time.
    private let message: UnsafeMutablePointer<Dapper__Trace__Span>
    private let startTime: UnsafeMutablePointer<Google__Protobuf__Timestamp>
    private let duration: UnsafeMutablePointer<Google__Protobuf__Duration>
    @exclusivity(unchecked) private var tags: MessageArray<Dapper__Trace__Tag>
    @exclusivity(unchecked) private var logs: MessageArray<Dapper__Trace__Log>
    @exclusivity(unchecked) private var fields: MessageArray<Dapper__Trace__Field>
    @exclusivity(unchecked) private var references: MessageArray<Dapper__Trace__SpanRef>
    @exclusivity(unchecked) private var arena: ByteArena
    /// The shared tag prefix whose encoding fills the first tag slots, its strings in
    /// `prefixArena`, kept across spans.
    @exclusivity(unchecked) private var cachedPrefix = SharedTagPrefix()
    @exclusivity(unchecked) private var prefixArena: ByteArena
    @exclusivity(unchecked) private var output: UnsafeMutableRawBufferPointer

    /// The smallest ``maximumSize``: room for a span's identifiers, times and the truncation
    /// tag.
    public static let smallestMaximumSize = 256

    /// Creates an encoder whose output never exceeds ``defaultMaximumSize`` bytes.
    public convenience init() {
        self.init(checkedMaximumSize: SpanEncoder.defaultMaximumSize)
    }

    /// Creates an encoder whose output never exceeds `maximumSize` bytes.
    ///
    /// - Parameter maximumSize: At least ``smallestMaximumSize`` (256) bytes.
    /// - Throws: ``SpanEncoderError/maximumSizeTooSmall(_:)`` for a smaller size.
    public convenience init(maximumSize: Int) throws(SpanEncoderError) {
        guard maximumSize >= SpanEncoder.smallestMaximumSize else { throw .maximumSizeTooSmall(maximumSize) }
        self.init(checkedMaximumSize: maximumSize)
    }

    private init(checkedMaximumSize maximumSize: Int) {
        self.maximumSize = maximumSize
        message = .allocate(capacity: 1)
        dapper__trace__span__init(message)
        startTime = .allocate(capacity: 1)
        google__protobuf__timestamp__init(startTime)
        duration = .allocate(capacity: 1)
        google__protobuf__duration__init(duration)
        tags = MessageArray(capacity: 32, initialize: dapper__trace__tag__init)
        logs = MessageArray(capacity: 8, initialize: dapper__trace__log__init)
        fields = MessageArray(capacity: 16, initialize: dapper__trace__field__init)
        references = MessageArray(capacity: 4, initialize: dapper__trace__span_ref__init)
        arena = ByteArena(capacity: 4096)
        prefixArena = ByteArena(capacity: 512)
        output = .allocate(byteCount: 4096, alignment: 16)
    }

    deinit {
        message.deallocate()
        startTime.deallocate()
        duration.deallocate()
        tags.deallocate()
        logs.deallocate()
        fields.deallocate()
        references.deallocate()
        arena.deallocate()
        prefixArena.deallocate()
        output.deallocate()
    }

    /// Encodes `span` and calls `body` with the bytes, which are valid only during the call.
    ///
    /// - Returns: What `body` returns.
    /// - Throws: ``SpanEncodingError/oversize(size:limit:)`` when the span does not fit in
    ///   ``maximumSize`` bytes even without tags and logs.
    public func withEncodedBytes<Result>(
        of span: FinishedSpan,
        _ body: (_ bytes: UnsafeRawBufferPointer, _ encoding: SpanEncoding) -> Result
    ) throws(SpanEncodingError) -> Result {
        let (written, encoding) = try encode(span) { bound in
            if output.count < bound {
                output.deallocate()
                output = .allocate(byteCount: max(bound, output.count * 2), alignment: 16)
            }
            return output.baseAddress.unsafelyUnwrapped
        }
        return body(UnsafeRawBufferPointer(rebasing: output[..<written]), encoding)
    }

    /// Encodes `span` straight into the caller's memory, for a writer that gathers spans in
    /// a buffer of its own (the agent exporter's datagrams): no copy out of this encoder's
    /// output buffer. `room(bound)` returns where to write; at least `bound` bytes must be
    /// writable there, and the encoding takes at most that many.
    ///
    /// - Returns: How many bytes were written, and what was dropped to fit ``maximumSize``.
    /// - Throws: ``SpanEncodingError/oversize(size:limit:)``, as ``withEncodedBytes(of:_:)``;
    ///   `room` is then not called.
    package func encode(
        _ span: FinishedSpan, into room: (_ bound: Int) -> UnsafeMutableRawPointer
    ) throws(SpanEncodingError) -> (written: Int, encoding: SpanEncoding) {
        arena.reset()
        fill(span)
        var encoding = SpanEncoding()
        var bound = upperBound()
        if bound > maximumSize {
            var size = dapper__trace__span__get_packed_size(message)
            if size > maximumSize {
                size = try shrink(size: size, encoding: &encoding)
            }
            bound = size
        }
        let written = dapper__trace__span__pack(message, room(bound).assumingMemoryBound(to: UInt8.self))
        return (written, encoding)
    }

    /// Encodes `span` into a new array.
    ///
    /// For code that keeps the bytes; ``withEncodedBytes(of:_:)`` allocates nothing.
    public func encode(_ span: FinishedSpan) throws(SpanEncodingError) -> [UInt8] {
        try withEncodedBytes(of: span) { bytes, _ in Array(bytes) }
    }

    // MARK: Filling the C structs

    private func fill(_ span: FinishedSpan) {
        let message = self.message
        message.pointee.version = 1
        message.pointee.service_name = arena.copy(span.serviceName)
        message.pointee.operation_name = arena.copy(span.operationName)
        message.pointee.trace_id = span.context.traceID
        // Dapper's field 23: 0 (a Kratos v1 trace) is left out of the bytes, as proto3 does.
        message.pointee.trace_id_high = span.context.traceIDHigh
        message.pointee.span_id = span.context.spanID
        message.pointee.parent_id = span.context.parentID
        message.pointee.sampling_probability = span.context.probability

        let (startSeconds, startNanos) = Self.split(span.startTimeNanos)
        startTime.pointee.seconds = startSeconds
        startTime.pointee.nanos = startNanos
        message.pointee.start_time = startTime
        let (durationSeconds, durationNanos) = Self.split(span.durationNanos, floor: false)
        duration.pointee.seconds = durationSeconds
        duration.pointee.nanos = durationNanos
        message.pointee.duration = duration

        // One spare tag for the truncation marker, should the span need shrinking.
        if tags.reserve(span.tags.count + 1) { cachedPrefix.clear() }
        let tagStructs = tags.structs
        var tagIndex = 0
        span.tags.withBuffers { shared, own in
            if !shared.isEmpty {
                cachedPrefix.update(to: shared, identity: span.tags.sharedIdentity, of: span.tags) { prefix in
                    cachePrefix(prefix)
                    return true
                }
                tagIndex = shared.count
            } else if !own.isEmpty, cachedPrefix.count != 0 {
                // This span's own tags take the slots of the cached prefix.
                cachedPrefix.clear()
            }
            for index in own.indices {
                fillTag(tagStructs + tagIndex, own.baseAddress! + index, arena: &arena)
                tagIndex += 1
            }
        }
        message.pointee.n_tags = tagIndex
        message.pointee.tags = tags.pointers

        logs.reserve(span.logs.count)
        let logStructs = logs.structs
        var logIndex = 0
        span.logs.withUnsafeBufferPointer { spanLogs in
            var fieldCount = 0
            for index in spanLogs.indices { fieldCount += spanLogs[index].fields.count }
            fields.reserve(fieldCount)
            let fieldStructs = fields.structs
            let fieldPointers = fields.pointers
            var fieldIndex = 0
            for index in spanLogs.indices {
                let log = spanLogs.baseAddress! + index
                let slot = logStructs + logIndex
                slot.pointee.timestamp = log.pointee.timestampNanos
                slot.pointee.fields = fieldPointers + fieldIndex
                let count = log.pointee.fields.count
                for field in log.pointee.fields {
                    let fieldSlot = fieldStructs + fieldIndex
                    fieldSlot.pointee.key = arena.copy(field.key)
                    fieldSlot.pointee.value = arena.copy(field.value)
                    fieldIndex += 1
                }
                slot.pointee.n_fields = count
                logIndex += 1
            }
        }
        message.pointee.n_logs = logIndex
        message.pointee.logs = logs.pointers

        references.reserve(span.references.count)
        let referenceStructs = references.structs
        var referenceIndex = 0
        for reference in span.references {
            let slot = referenceStructs + referenceIndex
            slot.pointee.ref_type = Dapper__Trace__SpanRef__RefType(rawValue: UInt32(bitPattern: reference.kind.rawValue))
            slot.pointee.trace_id = reference.traceID
            slot.pointee.span_id = reference.spanID
            referenceIndex += 1
        }
        message.pointee.n_references = referenceIndex
        message.pointee.references = references.pointers
    }

    private static let keyOffset = MemoryLayout<SpanTag>.offset(of: \SpanTag.key)!

    /// Encodes `prefix` into the first tag slots, with its bytes in `prefixArena`.
    private func cachePrefix(_ prefix: [SpanTag]) {
        prefixArena.reset()
        prefix.withUnsafeBufferPointer { prefix in
            for index in prefix.indices {
                fillTag(tags.structs + index, prefix.baseAddress! + index, arena: &prefixArena)
            }
        }
        // Overflow chunks, if the prefix needed any, stay allocated until the next reset here.
    }

    @inline(__always)
    private func fillTag(
        _ slot: UnsafeMutablePointer<Dapper__Trace__Tag>, _ tag: UnsafePointer<SpanTag>, arena: inout ByteArena
    ) {
        // The key is read where it lies, without a retained copy.
        let key = (UnsafeRawPointer(tag) + Self.keyOffset).assumingMemoryBound(to: String.self)
        slot.pointee.key = arena.copy(key)
        switch tag.pointee.value {
        case .string(let value):
            slot.pointee.kind = DAPPER__TRACE__TAG__KIND__STRING
            slot.pointee.value = arena.copy(value)
        case .int(let value):
            slot.pointee.kind = DAPPER__TRACE__TAG__KIND__INT
            slot.pointee.value = arena.copy(bigEndian: UInt64(bitPattern: value))
        case .bool(let value):
            slot.pointee.kind = DAPPER__TRACE__TAG__KIND__BOOL
            slot.pointee.value = arena.copy(byte: value ? 1 : 0)
        case .double(let value):
            slot.pointee.kind = DAPPER__TRACE__TAG__KIND__FLOAT
            slot.pointee.value = arena.copy(bigEndian: value.bitPattern)
        }
    }

    /// Splits nanoseconds into seconds and nanoseconds as `Timestamp` (nanoseconds always
    /// non-negative, `floor`) or `Duration` (both with the sign of the whole) require.
    private static func split(_ nanos: Int64, floor: Bool = true) -> (Int64, Int32) {
        var seconds = nanos / 1_000_000_000
        var remainder = nanos % 1_000_000_000
        if floor, remainder < 0 {
            seconds -= 1
            remainder += 1_000_000_000
        }
        return (seconds, Int32(remainder))
    }

    /// An upper bound of the packed size, cheap to compute: every field's tag and length
    /// prefix at their widest, plus the bytes copied into the arena.
    private func upperBound() -> Int {
        let fixed = 3 + 2 * 6 + 3 * 11 + 5 + 2 * (3 + 11 + 6)
        let perTag = 6 + 6 + 2 + 6
        let perLog = 6 + 11
        let perField = 6 + 6 + 6
        let perReference = 6 + 2 + 11 + 11
        return fixed + arena.used
            + perTag * (message.pointee.n_tags + 1) + perLog * message.pointee.n_logs
            + perField * fields.reserved + perReference * message.pointee.n_references
    }

    // MARK: Shrinking (Compatibility §7)

    private func shrink(size: Int, encoding: inout SpanEncoding) throws(SpanEncodingError) -> Int {
        let message = self.message
        let originalSize = size
        var size = size
        // The marker goes in the spare slot after the last tag; it costs its own size.
        let markerSlot = tags.structs + message.pointee.n_tags
        markerSlot.pointee.key = arena.copy(SpanTagKey.traceError)
        markerSlot.pointee.kind = DAPPER__TRACE__TAG__KIND__STRING
        markerSlot.pointee.value = arena.copy(Self.truncationMarker)
        size += Self.embeddedSize(dapper__trace__tag__get_packed_size(markerSlot))

        while size > maximumSize, message.pointee.n_logs > 0 {
            let last = message.pointee.logs[message.pointee.n_logs - 1]!
            size -= Self.embeddedSize(dapper__trace__log__get_packed_size(last))
            message.pointee.n_logs -= 1
            encoding.droppedLogs += 1
        }
        while size > maximumSize, message.pointee.n_references > 0 {
            let last = message.pointee.references[message.pointee.n_references - 1]!
            // Field 22: a two-byte key.
            size -= 1 + Self.embeddedSize(dapper__trace__span_ref__get_packed_size(last))
            message.pointee.n_references -= 1
            encoding.droppedReferences += 1
        }
        var ownTags = message.pointee.n_tags
        while size > maximumSize, ownTags > 0 {
            size -= Self.embeddedSize(dapper__trace__tag__get_packed_size(tags.structs + ownTags - 1))
            ownTags -= 1
            encoding.droppedTags += 1
        }
        // The marker moves into the first free slot; the pointer array already lists every slot.
        if ownTags != message.pointee.n_tags {
            if ownTags < cachedPrefix.count { cachedPrefix.clear() }
            (tags.structs + ownTags).pointee = markerSlot.pointee
        }
        message.pointee.n_tags = ownTags + 1
        let exact = dapper__trace__span__get_packed_size(message)
        guard exact <= maximumSize else {
            throw .oversize(size: originalSize, limit: maximumSize)
        }
        return exact
    }

    private static var truncationMarker: String { "span truncated" }

    /// The size of an embedded message of `size` bytes in a field numbered below 16.
    private static func embeddedSize(_ size: Int) -> Int { 1 + Varint.size(UInt64(size)) + size }
}
