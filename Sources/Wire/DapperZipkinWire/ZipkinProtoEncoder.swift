import CDapperZipkinProto
import CProtobufC
import Dapper
@_spi(WireEncoders) import DapperWire

/// Encodes finished spans as Zipkin's proto3 `ListOfSpans` (`zipkin.proto`, the body of
/// `POST /api/v2/spans` with `Content-Type: application/x-protobuf`), through protobuf-c.
///
/// The mapping is ``ZipkinJSONEncoder``'s (Compatibility §9): 8-byte big-endian IDs (a
/// 128-bit trace ID, with a non-zero ``/Dapper/SpanContext/traceIDHigh``, in 16 bytes, the high
/// half first), no `parent_id` on a root, `kind` from the last `span.kind` tag, microsecond times (a duration at least 1),
/// every other tag as text with the last value of a repeated key, one annotation per log
/// field (`"key : value"`) unless it repeats an earlier one in the same microsecond.
///
/// Like ``/DapperWire/SpanEncoder``, an encoder owns its C structs, an arena and the output
/// buffer, and reuses them: encoding allocates nothing once they have grown to the largest
/// batch. That makes it single-threaded.
public final class ZipkinProtoEncoder {
    // The buffers are only touched from inside this class's methods, one call at a time (the
    // class is not Sendable), so the per-access exclusivity checks would only cost time.
    private let list: UnsafeMutablePointer<Zipkin__Proto3__ListOfSpans>
    @exclusivity(unchecked) private var spans: MessageArray<Zipkin__Proto3__Span>
    @exclusivity(unchecked) private var endpoints: MessageArray<Zipkin__Proto3__Endpoint>
    @exclusivity(unchecked) private var annotations: MessageArray<Zipkin__Proto3__Annotation>
    @exclusivity(unchecked) private var tags: MessageArray<Zipkin__Proto3__Span__TagsEntry>
    @exclusivity(unchecked) private var arena: ByteArena
    /// A tracer's shared tags (its default tags), packed by protobuf-c once as `tags` entries
    /// which every span of that tracer carries as ready-made fields: packing the prefix once
    /// takes a fifth of protobuf-c's work off each span.
    @exclusivity(unchecked) private var prefix = SharedTagPrefix()
    @exclusivity(unchecked) private var prefixEntries: MessageArray<Zipkin__Proto3__Span__TagsEntry>
    /// The packed prefix entries, as fields protobuf-c copies verbatim into each span that
    /// carries them. Field order does not matter to a protobuf decoder, nor entry order in a map.
    @exclusivity(unchecked) private var prefixFields: UnsafeMutablePointer<ProtobufCMessageUnknownField>
    @exclusivity(unchecked) private var prefixFieldCapacity = 8
    @exclusivity(unchecked) private var prefixFieldCount = 0
    @exclusivity(unchecked) private var prefixArena: ByteArena
    /// Spans of the current batch that point to the prefix entries, for the size bound.
    @exclusivity(unchecked) private var prefixUses = 0
    @exclusivity(unchecked) private var output: UnsafeMutableRawBufferPointer
    /// The table that finds repeated tags and annotations in a span with many of them, kept for
    /// the next such span.
    @exclusivity(unchecked) private var repeats: RepeatFinder? = nil

    /// Creates an encoder.
    public init() {
        list = .allocate(capacity: 1)
        zipkin__proto3__list_of_spans__init(list)
        spans = MessageArray(capacity: 16, initialize: zipkin__proto3__span__init)
        endpoints = MessageArray(capacity: 16, initialize: zipkin__proto3__endpoint__init)
        annotations = MessageArray(capacity: 16, initialize: zipkin__proto3__annotation__init)
        tags = MessageArray(capacity: 128, initialize: zipkin__proto3__span__tags_entry__init)
        arena = ByteArena(capacity: 16 * 1024)
        prefixEntries = MessageArray(capacity: 8, initialize: zipkin__proto3__span__tags_entry__init)
        prefixArena = ByteArena(capacity: 1024)
        prefixFields = .allocate(capacity: 8)
        output = .allocate(byteCount: 16 * 1024, alignment: 16)
    }

    deinit {
        list.deallocate()
        spans.deallocate()
        endpoints.deallocate()
        annotations.deallocate()
        tags.deallocate()
        arena.deallocate()
        prefixEntries.deallocate()
        prefixArena.deallocate()
        prefixFields.deallocate()
        output.deallocate()
    }

    /// Encodes `spans` as one `ListOfSpans` and calls `body` with the bytes, which are valid
    /// only during the call.
    public func withEncodedList<Result>(
        _ spans: some Collection<FinishedSpan>, _ body: (UnsafeRawBufferPointer) -> Result
    ) -> Result {
        // Through contiguous storage when there is one: iterating a generic collection reads
        // each element through a coroutine, which allocates.
        if let result = spans.withContiguousStorageIfAvailable({ encode($0, body) }) { return result }
        return Array(spans).withUnsafeBufferPointer { encode($0, body) }
    }

    private func encode<Result>(
        _ spans: UnsafeBufferPointer<FinishedSpan>, _ body: (UnsafeRawBufferPointer) -> Result
    ) -> Result {
        arena.reset()
        prefixUses = 0
        var tagCount = 0
        var annotationCount = 0
        for index in spans.indices {
            tagCount += spans[index].tags.count
            for log in spans[index].logs { annotationCount += log.fields.count }
        }
        self.spans.reserve(spans.count)
        endpoints.reserve(spans.count)
        tags.reserve(tagCount)
        annotations.reserve(annotationCount)

        var tagIndex = 0
        var annotationIndex = 0
        for index in spans.indices {
            fill(spans.baseAddress! + index, into: self.spans.structs + index, endpoint: endpoints.structs + index,
                 tagIndex: &tagIndex, annotationIndex: &annotationIndex)
        }
        list.pointee.n_spans = spans.count
        list.pointee.spans = self.spans.pointers

        // An upper bound rather than protobuf-c's exact size, which would walk every message a
        // second time: every field's tag and length prefix at their widest, plus the bytes.
        let size = arena.used + 16 + spans.count * 96 + tagIndex * 12 + annotationIndex * 24
            + prefixUses * prefixArena.used
        if output.count < size {
            output.deallocate()
            output = .allocate(byteCount: max(size, output.count * 2), alignment: 16)
        }
        let written = zipkin__proto3__list_of_spans__pack(list, output.baseAddress!.assumingMemoryBound(to: UInt8.self))
        return body(UnsafeRawBufferPointer(rebasing: output[..<written]))
    }

    /// Encodes `spans` as one `ListOfSpans` into a new array.
    public func encodeList(_ spans: some Collection<FinishedSpan>) -> [UInt8] {
        withEncodedList(spans) { Array($0) }
    }

    private func fill(
        _ span: UnsafePointer<FinishedSpan>,
        into message: UnsafeMutablePointer<Zipkin__Proto3__Span>,
        endpoint: UnsafeMutablePointer<Zipkin__Proto3__Endpoint>,
        tagIndex: inout Int,
        annotationIndex: inout Int
    ) {
        message.pointee.trace_id =
            span.pointee.context.traceIDHigh == 0
            ? arena.copy(bigEndian: span.pointee.context.traceID)
            : arena.copy(bigEndian: span.pointee.context.traceIDHigh, span.pointee.context.traceID)
        message.pointee.id = arena.copy(bigEndian: span.pointee.context.spanID)
        message.pointee.parent_id =
            span.pointee.context.parentID == 0
            ? ProtobufCBinaryData(len: 0, data: nil) : arena.copy(bigEndian: span.pointee.context.parentID)
        message.pointee.kind = Zipkin__Proto3__Span__Kind(
            rawValue: UInt32(ZipkinJSONEncoder.kind(of: span.pointee.tags)?.rawValue ?? 0))
        message.pointee.name = arena.copy(Self.field(span, Self.operationNameOffset))
        message.pointee.timestamp = UInt64(bitPattern: ZipkinJSONEncoder.microseconds(span.pointee.startTimeNanos))
        message.pointee.duration = UInt64(max(1, ZipkinJSONEncoder.microseconds(span.pointee.durationNanos)))
        endpoint.pointee.service_name = arena.copy(Self.field(span, Self.serviceNameOffset))
        message.pointee.local_endpoint = endpoint
        message.pointee.remote_endpoint = nil
        message.pointee.debug = 0
        message.pointee.shared = 0

        let firstTag = tagIndex
        let tagStructs = tags.structs
        let tagPointers = tags.pointers
        let ownOnly: Bool = span.pointee.tags.withBuffers { shared, own in
            guard !shared.isEmpty else { return false }
            let cached = prefix.update(to: shared, identity: span.pointee.tags.sharedIdentity, of: span.pointee.tags) { newPrefix in
                // Spans of this batch may point to the cached entries already: they are only
                // replaced between batches, and a second tracer's spans take the full path.
                guard prefixUses == 0 else { return false }
                cachePrefix(newPrefix)
                return true
            }
            guard cached, !prefix.isOverridden(by: own) else { return false }
            message.pointee.base.n_unknown_fields = UInt32(prefixFieldCount)
            message.pointee.base.unknown_fields = prefixFields
            prefixUses += 1
            SpanTags.forEachUnique(count: own.count, { own.baseAddress! + $0 }, repeats: &repeats) { tag in
                fillTag(tag, into: tagStructs + tagIndex, arena: &arena)
                tagPointers[tagIndex] = tagStructs + tagIndex
                tagIndex += 1
            }
            return true
        }
        if !ownOnly {
            message.pointee.base.n_unknown_fields = 0
            message.pointee.base.unknown_fields = nil
            span.pointee.tags.withUniqueTags(repeats: &repeats) { tag in
                fillTag(tag, into: tagStructs + tagIndex, arena: &arena)
                tagPointers[tagIndex] = tagStructs + tagIndex
                tagIndex += 1
            }
        }
        message.pointee.n_tags = tagIndex - firstTag
        message.pointee.tags = tags.pointers + firstTag

        let firstAnnotation = annotationIndex
        span.pointee.logs.withUnsafeBufferPointer { logs in
            var ordinal = 0
            for logIndex in logs.indices {
                let log = logs.baseAddress! + logIndex
                let microseconds = ZipkinJSONEncoder.microseconds(log.pointee.timestampNanos)
                let timestamp = UInt64(bitPattern: microseconds)
                log.pointee.fields.forEachInPlace { fieldIndex, field in
                    ordinal += 1
                    if ZipkinJSONEncoder.repeatsEarlierAnnotation(
                        logs, logIndex, field, fieldIndex, microseconds, ordinal: ordinal - 1, repeats: &repeats)
                    {
                        return
                    }
                    let annotation = annotations.structs + annotationIndex
                    annotation.pointee.timestamp = timestamp
                    annotation.pointee.value = arena.copyJoined(field.key, " : ", field.value)
                    annotationIndex += 1
                }
            }
        }
        message.pointee.n_annotations = annotationIndex - firstAnnotation
        message.pointee.annotations = annotations.pointers + firstAnnotation
    }

    // Strings are read where they lie, through pointers, without a retained copy.
    private static let operationNameOffset = MemoryLayout<FinishedSpan>.offset(of: \FinishedSpan.operationName)!
    private static let serviceNameOffset = MemoryLayout<FinishedSpan>.offset(of: \FinishedSpan.serviceName)!
    private static let tagKeyOffset = MemoryLayout<SpanTag>.offset(of: \SpanTag.key)!

    private static func field(_ span: UnsafePointer<FinishedSpan>, _ offset: Int) -> UnsafePointer<String> {
        (UnsafeRawPointer(span) + offset).assumingMemoryBound(to: String.self)
    }

    private func fillTag(
        _ tag: UnsafePointer<SpanTag>, into entry: UnsafeMutablePointer<Zipkin__Proto3__Span__TagsEntry>,
        arena: inout ByteArena
    ) {
        entry.pointee.key = arena.copy(
            (UnsafeRawPointer(tag) + Self.tagKeyOffset).assumingMemoryBound(to: String.self))
        entry.pointee.value =
            switch tag.pointee.value {
            case .string(let text): arena.copy(text)
            case .bool(let flag): arena.copy(flag ? "true" : "false")
            case .int(let number): arena.copyDecimal(number)
            case .double(let number): arena.copy(number.description)
            }
    }

    /// Packs `newPrefix`'s entries into `prefixFields`, their bytes in `prefixArena`.
    private func cachePrefix(_ newPrefix: [SpanTag]) {
        prefixArena.reset()
        prefixEntries.reserve(newPrefix.count)
        if prefixFieldCapacity < newPrefix.count {
            prefixFields.deallocate()
            prefixFieldCapacity = newPrefix.count
            prefixFields = .allocate(capacity: newPrefix.count)
        }
        var count = 0
        SpanTags(newPrefix).withUniqueTags(repeats: &repeats) { tag in
            fillTag(tag, into: prefixEntries.structs + count, arena: &prefixArena)
            count += 1
        }
        // Each entry as protobuf-c packs a `tags` field's value: the length, then the entry.
        for index in 0..<count {
            // A nested message has no generated pack functions; its first member is the base.
            let entry = UnsafeRawPointer(prefixEntries.structs + index).assumingMemoryBound(to: ProtobufCMessage.self)
            let size = protobuf_c_message_get_packed_size(entry)
            let lengthSize = Varint.size(UInt64(size))
            let bytes = prefixArena.take(lengthSize + size).assumingMemoryBound(to: UInt8.self)
            Varint.write(UInt64(size), to: bytes)
            _ = protobuf_c_message_pack(entry, bytes + lengthSize)
            prefixFields[index] = ProtobufCMessageUnknownField(
                tag: Self.tagsFieldNumber, wire_type: Self.lengthPrefixed,
                len: lengthSize + size, data: bytes)
        }
        prefixFieldCount = count
    }

    /// Protobuf's wire type 2 (length-delimited), of a `tags` field. By its number rather than
    /// protobuf-c's `PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED`: Swift 6.3's importer does not
    /// always find that constant of an anonymous C enum, depending on which files of the module
    /// it compiles together (it stopped finding it when the module's files changed).
    private static let lengthPrefixed = ProtobufCWireType(rawValue: 2)

    /// `map<string, string> tags = 11` in `zipkin.proto`'s `Span`.
    private static let tagsFieldNumber: UInt32 = 11
}
