import CDapperOTLPProto
import CProtobufC
import Dapper

/// An attribute value as decoded from the wire.
enum DecodedValue: Hashable, CustomStringConvertible {
    case string(String)
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case other(UInt32)

    var description: String {
        switch self {
        case .string(let text): "\"\(text)\""
        case .bool(let flag): "\(flag)"
        case .int(let number): "\(number)"
        case .double(let number): "\(number)"
        case .other(let valueCase): "<case \(valueCase)>"
        }
    }
}

/// One span of a decoded request, with what its `ResourceSpans` and `ScopeSpans` said.
struct DecodedSpan: Equatable {
    var resource: [String: String] = [:]
    var resourceKeys: [String] = []
    var scopeName = ""
    var scopeVersion = ""
    var traceID: [UInt8] = []
    var spanID: [UInt8] = []
    var parentSpanID: [UInt8] = []
    var traceState = ""
    var flags: UInt32 = 0
    var name = ""
    var kind: UInt32 = 0
    var start: UInt64 = 0
    var end: UInt64 = 0
    /// In wire order; keys must be unique.
    var attributes: [(key: String, value: DecodedValue)] = []
    var events: [DecodedEvent] = []
    var links: [DecodedLink] = []
    var hasStatus = false
    var statusCode: UInt32 = 0
    var statusMessage = ""

    var attributeMap: [String: DecodedValue] { Dictionary(attributes.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last }) }

    static func == (lhs: DecodedSpan, rhs: DecodedSpan) -> Bool {
        lhs.resource == rhs.resource && lhs.traceID == rhs.traceID && lhs.spanID == rhs.spanID
            && lhs.parentSpanID == rhs.parentSpanID && lhs.flags == rhs.flags && lhs.name == rhs.name
            && lhs.kind == rhs.kind && lhs.start == rhs.start && lhs.end == rhs.end
            && lhs.attributes.map(\.key) == rhs.attributes.map(\.key)
            && lhs.attributes.map(\.value) == rhs.attributes.map(\.value) && lhs.events == rhs.events
            && lhs.links == rhs.links && lhs.statusCode == rhs.statusCode && lhs.statusMessage == rhs.statusMessage
    }
}

struct DecodedEvent: Equatable {
    var time: UInt64
    var name: String
    var attributes: [String: DecodedValue]
    var attributeKeys: [String]
}

struct DecodedLink: Equatable {
    var traceID: [UInt8]
    var spanID: [UInt8]
    var attributes: [String: DecodedValue]
}

/// A request decoded with protobuf-c's own `unpack` (no code of the encoder's).
struct DecodedOTLPRequest {
    /// Per `ResourceSpans`: its `service.name` and how many `ScopeSpans` it had.
    var resourceGroups: [(serviceName: String, scopeSpans: Int, spans: Int)] = []
    var spans: [DecodedSpan] = []

    /// `nil` when protobuf-c cannot unpack the bytes.
    init?(_ bytes: [UInt8]) {
        let unpacked = bytes.withUnsafeBufferPointer {
            opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(nil, $0.count, $0.baseAddress)
        }
        guard let request = unpacked else { return nil }
        defer { opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(request, nil) }
        for resourceIndex in 0..<request.pointee.n_resource_spans {
            let resourceSpans = request.pointee.resource_spans[resourceIndex]!.pointee
            var resource: [String: String] = [:]
            var resourceKeys: [String] = []
            if let message = resourceSpans.resource?.pointee {
                for attribute in Self.keyValues(message.attributes, message.n_attributes) {
                    resourceKeys.append(attribute.key)
                    if case .string(let text) = attribute.value { resource[attribute.key] = text }
                }
            }
            var spanCount = 0
            for scopeIndex in 0..<resourceSpans.n_scope_spans {
                let scopeSpans = resourceSpans.scope_spans[scopeIndex]!.pointee
                for spanIndex in 0..<scopeSpans.n_spans {
                    var span = Self.span(scopeSpans.spans[spanIndex]!.pointee)
                    span.resource = resource
                    span.resourceKeys = resourceKeys
                    span.scopeName = Self.text(scopeSpans.scope?.pointee.name)
                    span.scopeVersion = Self.text(scopeSpans.scope?.pointee.version)
                    spans.append(span)
                    spanCount += 1
                }
            }
            resourceGroups.append((resource["service.name"] ?? "", Int(resourceSpans.n_scope_spans), spanCount))
        }
    }

    /// `bytes` unpacked and packed again by protobuf-c as one message: the bytes protobuf-c
    /// itself writes for the same request. `nil` when they do not unpack.
    static func repacked(_ bytes: [UInt8]) -> [UInt8]? {
        let unpacked = bytes.withUnsafeBufferPointer {
            opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(nil, $0.count, $0.baseAddress)
        }
        guard let request = unpacked else { return nil }
        defer { opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(request, nil) }
        let size = opentelemetry__proto__collector__trace__v1__export_trace_service_request__get_packed_size(request)
        var output = [UInt8](repeating: 0, count: size)
        let written = output.withUnsafeMutableBufferPointer {
            opentelemetry__proto__collector__trace__v1__export_trace_service_request__pack(request, $0.baseAddress)
        }
        return Array(output[..<written])
    }

    private static func span(_ message: OTLPSpanMessage) -> DecodedSpan {
        var span = DecodedSpan()
        span.traceID = bytes(message.trace_id)
        span.spanID = bytes(message.span_id)
        span.parentSpanID = bytes(message.parent_span_id)
        span.traceState = text(message.trace_state)
        span.flags = message.flags
        span.name = text(message.name)
        span.kind = message.kind.rawValue
        span.start = message.start_time_unix_nano
        span.end = message.end_time_unix_nano
        span.attributes = keyValues(message.attributes, message.n_attributes)
        for index in 0..<message.n_events {
            let event = message.events[index]!.pointee
            let attributes = keyValues(event.attributes, event.n_attributes)
            span.events.append(DecodedEvent(
                time: event.time_unix_nano, name: text(event.name),
                attributes: Dictionary(attributes.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last }),
                attributeKeys: attributes.map(\.key)))
        }
        for index in 0..<message.n_links {
            let link = message.links[index]!.pointee
            let attributes = keyValues(link.attributes, link.n_attributes)
            span.links.append(DecodedLink(
                traceID: bytes(link.trace_id), spanID: bytes(link.span_id),
                attributes: Dictionary(attributes.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })))
        }
        if let status = message.status?.pointee {
            span.hasStatus = true
            span.statusCode = status.code.rawValue
            span.statusMessage = text(status.message)
        }
        return span
    }

    private static func keyValues(
        _ pointers: UnsafeMutablePointer<UnsafeMutablePointer<Opentelemetry__Proto__Common__V1__KeyValue>?>?, _ count: Int
    ) -> [(key: String, value: DecodedValue)] {
        guard let pointers else { return [] }
        return (0..<count).map { index in
            let keyValue = pointers[index]!.pointee
            let value: DecodedValue
            if let any = keyValue.value?.pointee {
                switch any.value_case {
                case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE: value = .string(text(any.string_value))
                case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE: value = .bool(any.bool_value != 0)
                case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE: value = .int(any.int_value)
                case OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE: value = .double(any.double_value)
                default: value = .other(any.value_case.rawValue)
                }
            } else {
                value = .other(0)
            }
            return (text(keyValue.key), value)
        }
    }

    static func bytes(_ data: ProtobufCBinaryData?) -> [UInt8] {
        guard let data, data.len > 0, let base = data.data else { return [] }
        return Array(UnsafeBufferPointer(start: base, count: data.len))
    }

    static func text(_ data: ProtobufCBinaryData?) -> String {
        String(decoding: bytes(data), as: UTF8.self)
    }
}

typealias OTLPSpanMessage = Opentelemetry__Proto__Trace__V1__Span
