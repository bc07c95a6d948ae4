import CDapperOTLPProto
import CProtobufC
import Dapper
import DapperWire

typealias OTLPRequest = Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest
typealias OTLPResourceSpans = Opentelemetry__Proto__Trace__V1__ResourceSpans
typealias OTLPResourceMessage = Opentelemetry__Proto__Resource__V1__Resource
typealias OTLPScopeSpans = Opentelemetry__Proto__Trace__V1__ScopeSpans
typealias OTLPScope = Opentelemetry__Proto__Common__V1__InstrumentationScope
typealias OTLPSpan = Opentelemetry__Proto__Trace__V1__Span
typealias OTLPEvent = Opentelemetry__Proto__Trace__V1__Span__Event
typealias OTLPLink = Opentelemetry__Proto__Trace__V1__Span__Link
typealias OTLPStatus = Opentelemetry__Proto__Trace__V1__Status
typealias OTLPKeyValue = Opentelemetry__Proto__Common__V1__KeyValue
typealias OTLPAnyValue = Opentelemetry__Proto__Common__V1__AnyValue

/// Encodes finished spans as OTLP's `ExportTraceServiceRequest` (protobuf), the body of an
/// OTLP/HTTP `POST /v1/traces` and the message of OTLP/gRPC's `TraceService/Export`, through
/// protobuf-c.
///
/// The mapping (the module's documentation has it as a table):
/// - `trace_id`: ``/Dapper/SpanContext/traceIDHigh`` big-endian (8 zero bytes for a 64-bit
///   trace ID, as every trace begun by Dapper or Kratos v1 has), then
///   ``/Dapper/SpanContext/traceID`` big-endian; `span_id`: the span ID big-endian;
///   `parent_span_id`: empty for a root, else the parent ID big-endian.
/// - `flags`: the W3C trace flags in the low byte: 0x01 when
///   ``/Dapper/SpanContext/isSampled``, nothing else (Dapper's debug bit 0x02 is not a W3C flag;
///   it becomes the attribute `dapper.debug`).
/// - `name`: the operation name; `kind`: from the last `span.kind` tag (`server`, `client`,
///   `producer`, `consumer`; none or any other value is INTERNAL).
/// - `start_time_unix_nano`: the start; `end_time_unix_nano`: start + duration.
/// - `attributes`: every tag but `span.kind`, typed (string, int, bool, double), one per key
///   with the last value; Dapper's own start with `dapper.`.
/// - `events`: one per log entry at its time, named by its `event` field (else `log`), with
///   the other fields as string attributes (one per key, the last value).
/// - `links`: the references (their trace IDs as `trace_id`), each with
///   `dapper.reference.kind` (`child_of`, `follows_from`).
/// - `status`: ERROR when the last `error` tag is `true` (bool, or the string `true`), with the
///   last `message` log field as its message (what `DapperSpan.finish(error:)`
///   logs); otherwise unset.
/// - Spans are grouped by service name, one `ResourceSpans` each (`service.name` and the
///   ``OTLPResource``'s attributes) with one `ScopeSpans` (``scopeName``, ``scopeVersion``), in
///   the order each service first appears.
///
/// Like `DapperWire`'s `SpanEncoder`, an encoder owns its C structs, an arena and the output
/// buffer, and reuses them: encoding allocates nothing once they have grown to the largest
/// batch. That makes it single-threaded: one per sending thread.
public final class OTLPSpanEncoder {
    /// The instrumentation scope's name.
    public static let scopeName = "dapper-swift"
    /// The instrumentation scope's version: this encoder's mapping, changed when it changes.
    public static let scopeVersion = "0.1.0"
    static let serviceNameKey = "service.name"

    /// The resource every request describes.
    public let resource: OTLPResource

    // The buffers are only touched from inside this class's methods, one call at a time (the
    // class is not Sendable), so the per-access exclusivity checks would only cost time.
    private let request: UnsafeMutablePointer<OTLPRequest>
    private let scope: UnsafeMutablePointer<OTLPScope>
    /// The scope's strings and the configured resource attributes, made once.
    private var fixedArena: ByteArena
    /// The resource's service name, where spans' strings are read: in place, by pointer.
    private let defaultServiceName: UnsafeMutablePointer<String>
    private let configured: MessageArray<OTLPKeyValue>
    private let configuredValues: MessageArray<OTLPAnyValue>
    private let configuredCount: Int
    @exclusivity(unchecked) private var resourceSpans: MessageArray<OTLPResourceSpans>
    @exclusivity(unchecked) private var resources: MessageArray<OTLPResourceMessage>
    @exclusivity(unchecked) private var scopeSpans: MessageArray<OTLPScopeSpans>
    /// Per service: `service.name`, then copies of the configured attributes.
    @exclusivity(unchecked) private var resourceAttributes: MessageArray<OTLPKeyValue>
    @exclusivity(unchecked) private var serviceNameValues: MessageArray<OTLPAnyValue>
    /// The spans' structs in batch order; their pointer array in service order.
    @exclusivity(unchecked) private var spans: MessageArray<OTLPSpan>
    @exclusivity(unchecked) private var statuses: MessageArray<OTLPStatus>
    /// The spans', events' and links' attributes: each a `KeyValue` already encoded
    /// (`rawFields`), given to protobuf-c as a message of no known fields (`rawDescriptor`).
    @exclusivity(unchecked) private var attributes: MessageArray<OTLPKeyValue>
    @exclusivity(unchecked) private var rawFields: MessageArray<ProtobufCMessageUnknownField>
    private let rawDescriptor: UnsafeMutablePointer<ProtobufCMessageDescriptor>
    @exclusivity(unchecked) private var events: MessageArray<OTLPEvent>
    @exclusivity(unchecked) private var links: MessageArray<OTLPLink>
    @exclusivity(unchecked) private var arena: ByteArena
    @exclusivity(unchecked) private var output: UnsafeMutableRawBufferPointer
    /// The table that finds repeated keys in a span or log entry with many of them.
    @exclusivity(unchecked) private var repeats: RepeatFinder? = nil
    @exclusivity(unchecked) private var groupOfSpan: [Int] = []
    @exclusivity(unchecked) private var groupFirstSpan: [Int] = []
    @exclusivity(unchecked) private var groupNext: [Int] = []

    /// Creates an encoder for the spans of `resource`.
    public init(resource: OTLPResource) {
        self.resource = resource
        defaultServiceName = .allocate(capacity: 1)
        defaultServiceName.initialize(to: resource.serviceName)
        request = .allocate(capacity: 1)
        opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(request)
        fixedArena = ByteArena(capacity: 256)
        scope = .allocate(capacity: 1)
        opentelemetry__proto__common__v1__instrumentation_scope__init(scope)
        scope.pointee.name = fixedArena.copy(Self.scopeName)
        scope.pointee.version = fixedArena.copy(Self.scopeVersion)
        let unique = resource.uniqueAttributes
        configuredCount = unique.count
        configured = MessageArray(capacity: max(1, unique.count), initialize: opentelemetry__proto__common__v1__key_value__init)
        configuredValues = MessageArray(capacity: max(1, unique.count), initialize: opentelemetry__proto__common__v1__any_value__init)
        for (index, attribute) in unique.enumerated() {
            configured.structs[index].key = fixedArena.copy(attribute.key)
            Self.setString(configuredValues.structs + index, fixedArena.copy(attribute.value))
            configured.structs[index].value = configuredValues.structs + index
        }
        resourceSpans = MessageArray(capacity: 4, initialize: opentelemetry__proto__trace__v1__resource_spans__init)
        resources = MessageArray(capacity: 4, initialize: opentelemetry__proto__resource__v1__resource__init)
        scopeSpans = MessageArray(capacity: 4, initialize: opentelemetry__proto__trace__v1__scope_spans__init)
        resourceAttributes = MessageArray(capacity: 4 * (1 + unique.count), initialize: opentelemetry__proto__common__v1__key_value__init)
        serviceNameValues = MessageArray(capacity: 4, initialize: opentelemetry__proto__common__v1__any_value__init)
        spans = MessageArray(capacity: 16, initialize: opentelemetry__proto__trace__v1__span__init)
        statuses = MessageArray(capacity: 16, initialize: opentelemetry__proto__trace__v1__status__init)
        let rawDescriptor = UnsafeMutablePointer<ProtobufCMessageDescriptor>.allocate(capacity: 1)
        rawDescriptor.initialize(to: Self.makeRawDescriptor())
        self.rawDescriptor = rawDescriptor
        attributes = MessageArray(capacity: 128) { attribute in
            opentelemetry__proto__common__v1__key_value__init(attribute)
            attribute.pointee.base.descriptor = UnsafePointer(rawDescriptor)
            attribute.pointee.base.n_unknown_fields = 1
        }
        rawFields = MessageArray(capacity: 128) { $0.initialize(to: ProtobufCMessageUnknownField()) }
        events = MessageArray(capacity: 16, initialize: opentelemetry__proto__trace__v1__span__event__init)
        links = MessageArray(capacity: 4, initialize: opentelemetry__proto__trace__v1__span__link__init)
        arena = ByteArena(capacity: 16 * 1024)
        output = .allocate(byteCount: 16 * 1024, alignment: 16)
    }

    deinit {
        defaultServiceName.deinitialize(count: 1)
        defaultServiceName.deallocate()
        request.deallocate()
        scope.deallocate()
        fixedArena.deallocate()
        configured.deallocate()
        configuredValues.deallocate()
        resourceSpans.deallocate()
        resources.deallocate()
        scopeSpans.deallocate()
        resourceAttributes.deallocate()
        serviceNameValues.deallocate()
        spans.deallocate()
        statuses.deallocate()
        attributes.deallocate()
        rawFields.deallocate()
        rawDescriptor.deallocate()
        events.deallocate()
        links.deallocate()
        arena.deallocate()
        output.deallocate()
    }

    /// Encodes `spans` as one `ExportTraceServiceRequest` and calls `body` with the bytes,
    /// which are valid only during the call. An empty batch is an empty request (no bytes).
    ///
    /// - Throws: ``OTLPEncodingError``; nothing is encoded then.
    public func withEncodedRequest<Output>(
        _ spans: some Collection<FinishedSpan>, _ body: (UnsafeRawBufferPointer) -> Output
    ) throws(OTLPEncodingError) -> Output {
        // Through contiguous storage when there is one: iterating a generic collection reads
        // each element through a coroutine, which allocates.
        let result =
            spans.withContiguousStorageIfAvailable { encode($0, body) }
            ?? Array(spans).withUnsafeBufferPointer { encode($0, body) }
        return try result.get()
    }

    /// Encodes `spans` as one `ExportTraceServiceRequest` into a new array.
    ///
    /// - Throws: ``OTLPEncodingError``.
    public func encodeRequest(_ spans: some Collection<FinishedSpan>) throws(OTLPEncodingError) -> [UInt8] {
        try withEncodedRequest(spans) { Array($0) }
    }

    private func encode<Output>(
        _ batch: UnsafeBufferPointer<FinishedSpan>, _ body: (UnsafeRawBufferPointer) -> Output
    ) -> Result<Output, OTLPEncodingError> {
        arena.reset()
        guard let base = batch.baseAddress, !batch.isEmpty else {
            request.pointee.n_resource_spans = 0
            request.pointee.resource_spans = nil
            return .success(body(UnsafeRawBufferPointer(start: nil, count: 0)))
        }
        var attributeCount = 0
        var eventCount = 0
        var linkCount = 0
        for index in batch.indices {
            let span = base + index
            // Each tag and log field at most once; a link's kind and the debug mark are ours.
            attributeCount += span.pointee.tags.count + span.pointee.references.count + 1
            eventCount += span.pointee.logs.count
            for log in span.pointee.logs { attributeCount += log.fields.count }
            linkCount += span.pointee.references.count
        }
        spans.reserve(batch.count)
        statuses.reserve(batch.count)
        attributes.reserve(attributeCount)
        rawFields.reserve(attributeCount)
        events.reserve(eventCount)
        links.reserve(linkCount)

        var counts = Counts()
        for index in batch.indices {
            if case .failure(let error) = fill(base + index, index: index, into: spans.structs + index, counts: &counts) {
                return .failure(error)
            }
        }
        let groups = group(batch)

        let size =
            arena.used + 16 + groups * (64 + fixedArena.used + (1 + configuredCount) * 48) + batch.count * 160
            + counts.attributes * 48 + counts.events * 40 + counts.links * 64 + batch.count * 24
        if size > Self.maximumMessageSize {
            let exact = opentelemetry__proto__collector__trace__v1__export_trace_service_request__get_packed_size(request)
            if exact > Self.maximumMessageSize { return .failure(.tooLarge(bytes: exact)) }
        }
        if output.count < size {
            output.deallocate()
            output = .allocate(byteCount: max(size, output.count * 2), alignment: 16)
        }
        let written = opentelemetry__proto__collector__trace__v1__export_trace_service_request__pack(
            request, output.baseAddress!.assumingMemoryBound(to: UInt8.self))
        return .success(body(UnsafeRawBufferPointer(rebasing: output[..<written])))
    }

    /// 2 GiB: protobuf's limit on a message, which receivers enforce.
    private static let maximumMessageSize = Int(Int32.max)

    private struct Counts {
        var attributes = 0
        var events = 0
        var links = 0
    }

    // MARK: Grouping

    /// Groups the filled spans by service, in the order each service first appears, and makes
    /// the request's `ResourceSpans`; returns how many.
    private func group(_ batch: UnsafeBufferPointer<FinishedSpan>) -> Int {
        let base = batch.baseAddress!
        groupOfSpan.removeAll(keepingCapacity: true)
        groupFirstSpan.removeAll(keepingCapacity: true)
        groupNext.removeAll(keepingCapacity: true)
        // Most batches hold one service, and runs of one: the last span's group is tried first.
        var last = -1
        for index in batch.indices {
            if last >= 0, sameService(base + index, base + groupFirstSpan[last]) {
                groupOfSpan.append(last)
                groupNext[last] += 1
                continue
            }
            var found = -1
            for group in groupFirstSpan.indices where sameService(base + index, base + groupFirstSpan[group]) {
                found = group
                break
            }
            if found < 0 {
                found = groupFirstSpan.count
                groupFirstSpan.append(index)
                groupNext.append(0)
            }
            groupOfSpan.append(found)
            groupNext[found] += 1
            last = found
        }
        let groups = groupFirstSpan.count
        resourceSpans.reserve(groups)
        resources.reserve(groups)
        scopeSpans.reserve(groups)
        serviceNameValues.reserve(groups)
        resourceAttributes.reserve(groups * (1 + configuredCount))
        // The counts become each group's next position in the span pointers.
        var start = 0
        for group in 0..<groups {
            let count = groupNext[group]
            groupNext[group] = start
            let scopeSpan = scopeSpans.structs + group
            scopeSpan.pointee.scope = scope
            scopeSpan.pointee.n_spans = count
            scopeSpan.pointee.spans = spans.pointers + start
            fillResource(group, serviceName: base + groupFirstSpan[group])
            resourceSpans.structs[group].resource = resources.structs + group
            resourceSpans.structs[group].n_scope_spans = 1
            resourceSpans.structs[group].scope_spans = scopeSpans.pointers + group
            start += count
        }
        for index in batch.indices {
            let group = groupOfSpan[index]
            spans.pointers[groupNext[group]] = spans.structs + index
            groupNext[group] += 1
        }
        request.pointee.n_resource_spans = groups
        request.pointee.resource_spans = resourceSpans.pointers
        return groups
    }

    private func sameService(_ span: UnsafePointer<FinishedSpan>, _ other: UnsafePointer<FinishedSpan>) -> Bool {
        let name = serviceName(span)
        let otherName = serviceName(other)
        return name.pointee.utf8.count == otherName.pointee.utf8.count && name.pointee == otherName.pointee
    }

    /// The span's service name, or the resource's for a span without one.
    private func serviceName(_ span: UnsafePointer<FinishedSpan>) -> UnsafePointer<String> {
        let own = Self.field(span, Self.serviceNameOffset)
        return own.pointee.isEmpty ? UnsafePointer(defaultServiceName) : own
    }

    private func fillResource(_ group: Int, serviceName span: UnsafePointer<FinishedSpan>) {
        let first = group * (1 + configuredCount)
        let serviceName = resourceAttributes.structs + first
        serviceName.pointee.key = arena.copy(Self.serviceNameKey)
        Self.setString(serviceNameValues.structs + group, arena.copy(self.serviceName(span)))
        serviceName.pointee.value = serviceNameValues.structs + group
        for index in 0..<configuredCount {
            resourceAttributes.structs[first + 1 + index] = configured.structs[index]
        }
        resources.structs[group].n_attributes = 1 + configuredCount
        resources.structs[group].attributes = resourceAttributes.pointers + first
    }

    // MARK: One span

    private func fill(
        _ span: UnsafePointer<FinishedSpan>, index: Int, into message: UnsafeMutablePointer<OTLPSpan>,
        counts: inout Counts
    ) -> Result<Void, OTLPEncodingError> {
        let start = span.pointee.startTimeNanos
        let duration = span.pointee.durationNanos
        let (end, overflow) = start.addingReportingOverflow(duration)
        guard start >= 0, duration >= 0, !overflow else {
            return .failure(.invalidTime(index: index, startNanos: start, durationNanos: duration))
        }
        let context = span.pointee.context
        message.pointee.trace_id = copyTraceID(high: context.traceIDHigh, low: context.traceID)
        message.pointee.span_id = arena.copy(bigEndian: context.spanID)
        message.pointee.parent_span_id =
            context.parentID == 0 ? ProtobufCBinaryData(len: 0, data: nil) : arena.copy(bigEndian: context.parentID)
        message.pointee.flags = context.isSampled ? 0x01 : 0
        message.pointee.name = arena.copy(Self.field(span, Self.operationNameOffset))
        message.pointee.kind = Self.kind(of: span.pointee.tags)
        message.pointee.start_time_unix_nano = UInt64(start)
        message.pointee.end_time_unix_nano = UInt64(end)

        let firstAttribute = counts.attributes
        var isError = false
        span.pointee.tags.withUniqueTags(repeats: &repeats) { tag in
            let key = (UnsafeRawPointer(tag) + Self.tagKeyOffset).assumingMemoryBound(to: String.self)
            switch tag.pointee.value {
            case .string(let text):
                addStringAttribute(key, text, counts: &counts)
                if key.pointee.utf8.count == 5, key.pointee == SpanTagKey.error, text == "true" { isError = true }
            case .bool(let flag):
                addScalarAttribute(key.pointee, Self.boolValueTag, flag ? 1 : 0, counts: &counts)
                if flag, key.pointee.utf8.count == 5, key.pointee == SpanTagKey.error { isError = true }
            case .int(let number):
                addScalarAttribute(key.pointee, Self.intValueTag, UInt64(bitPattern: number), counts: &counts)
            case .double(let number):
                addScalarAttribute(key.pointee, Self.doubleValueTag, number.bitPattern, counts: &counts)
            }
        }
        if context.isDebug {
            addScalarAttribute(Self.debugKey, Self.boolValueTag, 1, counts: &counts)
        }
        message.pointee.n_attributes = counts.attributes - firstAttribute
        message.pointee.attributes = attributes.pointers + firstAttribute

        let firstEvent = counts.events
        var errorMessage = ProtobufCBinaryData(len: 0, data: nil)
        let negativeLogTime: Int64? = span.pointee.logs.withUnsafeBufferPointer { logs in
            for logIndex in logs.indices {
                let log = logs.baseAddress! + logIndex
                guard log.pointee.timestampNanos >= 0 else { return log.pointee.timestampNanos }
                let event = events.structs + counts.events
                event.pointee.time_unix_nano = UInt64(log.pointee.timestampNanos)
                event.pointee.name = arena.copy(Self.logEventName)
                let firstEventAttribute = counts.attributes
                forEachUniqueField(log) { field in
                    if field.key == Self.eventKey {
                        event.pointee.name = arena.copy(field.value)
                        return
                    }
                    // A copy of its own: the output's room is counted from the arena, and the
                    // status writes these bytes a second time.
                    if isError, field.key == Self.messageKey { errorMessage = arena.copy(field.value) }
                    addStringAttribute(field.key, field.value, counts: &counts)
                }
                event.pointee.n_attributes = counts.attributes - firstEventAttribute
                event.pointee.attributes = attributes.pointers + firstEventAttribute
                counts.events += 1
            }
            return nil
        }
        if let negativeLogTime { return .failure(.invalidLogTime(index: index, timestampNanos: negativeLogTime)) }
        message.pointee.n_events = counts.events - firstEvent
        message.pointee.events = events.pointers + firstEvent

        let firstLink = counts.links
        for reference in span.pointee.references {
            let link = links.structs + counts.links
            link.pointee.trace_id = copyTraceID(high: reference.traceIDHigh, low: reference.traceID)
            link.pointee.span_id = arena.copy(bigEndian: reference.spanID)
            link.pointee.attributes = attributes.pointers + counts.attributes
            link.pointee.n_attributes = 1
            addStringAttribute(Self.referenceKindKey, reference.kind == .childOf ? "child_of" : "follows_from", counts: &counts)
            counts.links += 1
        }
        message.pointee.n_links = counts.links - firstLink
        message.pointee.links = links.pointers + firstLink

        if isError {
            let status = statuses.structs + index
            status.pointee.code = OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR
            status.pointee.message = errorMessage
            message.pointee.status = status
        } else {
            message.pointee.status = nil
        }
        return .success(())
    }

    // MARK: Attributes, encoded here

    // protobuf-c packs a `KeyValue` and its `AnyValue` through their descriptors, field by
    // field: two nested messages per attribute, about half of its work on a typical span. An
    // attribute is written here instead, as the bytes protobuf-c would write (the same fields,
    // in field order, with the same omissions), and handed to protobuf-c as a message of no
    // known fields whose one unknown field holds them: `pack` copies an unknown field
    // verbatim after its tag, so the output is the same byte for byte
    // (`OTLPSpanEncoderTests`, and the cross-check decodes it with Python's protobuf).

    /// `AnyValue` fields (tag and wire type): `string_value` (1, length-delimited),
    /// `bool_value` (2, varint), `int_value` (3, varint), `double_value` (4, 64-bit).
    private static let stringValueTag: UInt8 = 1 << 3 | 2
    private static let boolValueTag: UInt8 = 2 << 3 | 0
    private static let intValueTag: UInt8 = 3 << 3 | 0
    private static let doubleValueTag: UInt8 = 4 << 3 | 1
    /// `KeyValue.value` (2, length-delimited).
    private static let valueFieldTag: UInt8 = 2 << 3 | 2

    /// A string attribute: `KeyValue { key, value: AnyValue { string_value } }`. A oneof
    /// member is written even when empty; the key, a plain proto3 field, is left out then.
    private func addStringAttribute(_ key: UnsafePointer<String>, _ text: String, counts: inout Counts) {
        addStringAttribute(key.pointee, text, counts: &counts)
    }

    private func addStringAttribute(_ key: String, _ text: String, counts: inout Counts) {
        let keyCount = key.utf8.count
        let textCount = text.utf8.count
        let valueCount = 1 + Self.lengthSize(textCount) + textCount
        let destination = startAttribute(key, keyCount, valueCount: valueCount, counts: &counts)
        destination.storeBytes(of: Self.stringValueTag, as: UInt8.self)
        let offset = 1 + Self.writeLength(textCount, to: destination + 1)
        Self.write(text, textCount, to: destination + offset)
    }

    /// A bool or int attribute (`tag` says which: a varint) or a double (its bits, little-endian).
    private func addScalarAttribute(_ key: String, _ tag: UInt8, _ bits: UInt64, counts: inout Counts) {
        let valueCount = 1 + (tag == Self.doubleValueTag ? 8 : Varint.size(bits))
        let destination = startAttribute(key, key.utf8.count, valueCount: valueCount, counts: &counts)
        destination.storeBytes(of: tag, as: UInt8.self)
        if tag == Self.doubleValueTag {
            destination.storeBytes(of: bits.littleEndian, toByteOffset: 1, as: UInt64.self)
        } else {
            Varint.write(bits, to: destination + 1)
        }
    }

    /// Writes the attribute's bytes up to its `AnyValue` (`valueCount` bytes, which the caller
    /// writes at the pointer returned) and makes it the next attribute.
    private func startAttribute(_ key: String, _ keyCount: Int, valueCount: Int, counts: inout Counts) -> UnsafeMutableRawPointer {
        let valueFieldCount = 1 + Self.lengthSize(valueCount) + valueCount
        // The unknown field's tag is the first field's, written by protobuf-c: the key's, or
        // the value's when the key is empty (and left out).
        let total = keyCount == 0 ? valueFieldCount - 1 : Self.lengthSize(keyCount) + keyCount + valueFieldCount
        let start = arena.take(total)
        var offset = 0
        if keyCount > 0 {
            offset = Self.writeLength(keyCount, to: start)
            Self.write(key, keyCount, to: start + offset)
            offset += keyCount
            start.storeBytes(of: Self.valueFieldTag, toByteOffset: offset, as: UInt8.self)
            offset += 1
        }
        offset += Self.writeLength(valueCount, to: start + offset)
        let field = rawFields.structs + counts.attributes
        field.pointee.tag = keyCount == 0 ? 2 : 1
        field.pointee.wire_type = PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED
        field.pointee.len = total
        field.pointee.data = start.assumingMemoryBound(to: UInt8.self)
        attributes.structs[counts.attributes].base.unknown_fields = field
        counts.attributes += 1
        return start + offset
    }

    // Lengths are nearly always under 128, one byte: that case inline, as `Varint`'s calls
    // (another module) are not.
    @inline(__always) private static func lengthSize(_ length: Int) -> Int {
        length < 0x80 ? 1 : Varint.size(UInt64(length))
    }

    @inline(__always) private static func writeLength(_ length: Int, to destination: UnsafeMutableRawPointer) -> Int {
        guard length < 0x80 else { return Varint.write(UInt64(length), to: destination) }
        destination.storeBytes(of: UInt8(length), as: UInt8.self)
        return 1
    }

    /// Writes the `count` UTF-8 bytes of `text` at `destination`.
    private static func write(_ text: String, _ count: Int, to destination: UnsafeMutableRawPointer) {
        guard count > 0 else { return }
        let copied: Void? = text.utf8.withContiguousStorageIfAvailable { source in
            destination.copyMemory(from: source.baseAddress!, byteCount: count)
        }
        guard copied == nil else { return }
        var index = 0
        for byte in text.utf8 {
            destination.storeBytes(of: byte, toByteOffset: index, as: UInt8.self)
            index += 1
        }
    }

    /// The descriptor of a message with no known fields: protobuf-c packs only its unknown fields.
    private static func makeRawDescriptor() -> ProtobufCMessageDescriptor {
        let name = UnsafeRawPointer(("dapper.RawKeyValue" as StaticString).utf8Start).assumingMemoryBound(to: CChar.self)
        let shortName = UnsafeRawPointer(("RawKeyValue" as StaticString).utf8Start).assumingMemoryBound(to: CChar.self)
        let package = UnsafeRawPointer(("dapper" as StaticString).utf8Start).assumingMemoryBound(to: CChar.self)
        return ProtobufCMessageDescriptor(
            magic: UInt32(PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC), name: name, short_name: shortName, c_name: shortName,
            package_name: package, sizeof_message: MemoryLayout<OTLPKeyValue>.size, n_fields: 0, fields: nil,
            fields_sorted_by_name: nil, n_field_ranges: 0, field_ranges: nil, message_init: nil,
            reserved1: nil, reserved2: nil, reserved3: nil)
    }

    /// Calls `body` with each field of `log` but those whose key a later field has again.
    private func forEachUniqueField(_ log: UnsafePointer<SpanLog>, _ body: (borrowing SpanLogField) -> Void) {
        let fields = log.pointee.fields
        guard fields.count > RepeatFinder.linearScanLimit else {
            fields.forEachInPlace { index, field in
                let length = field.key.utf8.count
                for later in (index + 1)..<fields.count {
                    let other = fields[later].key
                    if other.utf8.count == length, other == field.key { return }
                }
                body(field)
            }
            return
        }
        // Moved out and back, so that the table is never copied.
        var table = repeats.take() ?? RepeatFinder()
        table.markLastOfEachKey(count: fields.count, skipping: nil) { fields[$0].key }
        fields.forEachInPlace { index, field in
            if table.isSent(index) { body(field) }
        }
        repeats = table
    }

    /// The 16 bytes of a trace ID: the high half big-endian (0 for a 64-bit ID), then the low.
    private func copyTraceID(high: UInt64, low: UInt64) -> ProtobufCBinaryData {
        let destination = arena.take(16)
        destination.storeBytes(of: high.bigEndian, as: UInt64.self)
        destination.storeBytes(of: low.bigEndian, toByteOffset: 8, as: UInt64.self)
        return ProtobufCBinaryData(len: 16, data: destination.assumingMemoryBound(to: UInt8.self))
    }

    private static func setString(_ value: UnsafeMutablePointer<OTLPAnyValue>, _ text: ProtobufCBinaryData) {
        value.pointee.value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE
        value.pointee.string_value = text
    }

    /// The kind of the last `span.kind` tag, read in place (``Dapper/FinishedSpan/kind``
    /// copies each tag it passes).
    private static func kind(of tags: SpanTags) -> Opentelemetry__Proto__Trace__V1__Span__SpanKind {
        tags.withBuffers { shared, own in
            if let tag = lastKindTag(own) ?? lastKindTag(shared), case .string(let value) = tag.pointee.value {
                return kind(value)
            }
            return kind(nil)
        }
    }

    private static func lastKindTag(_ tags: UnsafeBufferPointer<SpanTag>) -> UnsafePointer<SpanTag>? {
        guard let base = tags.baseAddress else { return nil }
        var index = tags.count
        while index > 0 {
            index -= 1
            let key = (UnsafeRawPointer(base + index) + tagKeyOffset).assumingMemoryBound(to: String.self)
            if key.pointee.utf8.count == 9, key.pointee == SpanTagKey.spanKind { return base + index }
        }
        return nil
    }

    static func kind(_ tag: String?) -> Opentelemetry__Proto__Trace__V1__Span__SpanKind {
        switch tag {
        case "server": OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER
        case "client": OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_CLIENT
        case "producer": OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_PRODUCER
        case "consumer": OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_CONSUMER
        default: OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_INTERNAL
        }
    }

    static let debugKey = "dapper.debug"
    static let referenceKindKey = "dapper.reference.kind"
    static let eventKey = "event"
    static let messageKey = "message"
    static let logEventName = "log"

    // Strings are read where they lie, through pointers, without a retained copy.
    private static let operationNameOffset = MemoryLayout<FinishedSpan>.offset(of: \FinishedSpan.operationName)!
    private static let serviceNameOffset = MemoryLayout<FinishedSpan>.offset(of: \FinishedSpan.serviceName)!
    private static let tagKeyOffset = MemoryLayout<SpanTag>.offset(of: \SpanTag.key)!

    private static func field(_ span: UnsafePointer<FinishedSpan>, _ offset: Int) -> UnsafePointer<String> {
        (UnsafeRawPointer(span) + offset).assumingMemoryBound(to: String.self)
    }
}
