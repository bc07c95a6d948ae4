import Dapper
import Testing

/// The mapping written out again, rule by rule, the plain way (dictionaries, no buffers), to
/// check what the encoder wrote against.
enum OTLPExpectedSpan {
    /// Whether OTLP's unsigned nanoseconds can carry the span's times (random spans may not).
    static func isCarriable(_ span: FinishedSpan) -> Bool {
        span.startTimeNanos >= 0 && span.durationNanos >= 0 && !span.startTimeNanos.addingReportingOverflow(span.durationNanos).overflow
            && span.logs.allSatisfy { $0.timestampNanos >= 0 }
    }

    static func traceID(_ id: UInt64) -> [UInt8] { [UInt8](repeating: 0, count: 8) + bigEndian(id) }

    static func bigEndian(_ id: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: id >> (56 - 8 * $0)) } }

    static func kind(_ span: FinishedSpan) -> UInt32 {
        var kind: UInt32 = 1
        for tag in span.tags where tag.key == "span.kind" {
            switch tag.value {
            case .string("server"): kind = 2
            case .string("client"): kind = 3
            case .string("producer"): kind = 4
            case .string("consumer"): kind = 5
            default: kind = 1
            }
        }
        return kind
    }

    static func attributes(_ span: FinishedSpan) -> [String: DecodedValue] {
        var attributes: [String: DecodedValue] = [:]
        for tag in span.tags where tag.key != "span.kind" {
            attributes[tag.key] =
                switch tag.value {
                case .string(let text): .string(text)
                case .bool(let flag): .bool(flag)
                case .int(let number): .int(number)
                case .double(let number): .double(number)
                }
        }
        if span.context.isDebug { attributes["dapper.debug"] = .bool(true) }
        return attributes
    }

    static func isError(_ span: FinishedSpan) -> Bool {
        switch span.tags.last(where: { $0.key == "error" })?.value {
        case .bool(true)?, .string("true")?: true
        default: false
        }
    }

    static func errorMessage(_ span: FinishedSpan) -> String {
        span.logs.flatMap { $0.fields }.last { $0.key == "message" }?.value ?? ""
    }

    /// Checks `decoded` against every rule for `span`.
    static func check(_ decoded: DecodedSpan, against span: FinishedSpan, serviceName: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(decoded.traceID == traceID(span.context.traceID), sourceLocation: sourceLocation)
        #expect(decoded.spanID == bigEndian(span.context.spanID), sourceLocation: sourceLocation)
        #expect(decoded.parentSpanID == (span.context.parentID == 0 ? [] : bigEndian(span.context.parentID)), sourceLocation: sourceLocation)
        #expect(decoded.flags == (span.context.isSampled ? 1 : 0), sourceLocation: sourceLocation)
        #expect(decoded.traceState == "", sourceLocation: sourceLocation)
        #expect(decoded.name == span.operationName, sourceLocation: sourceLocation)
        #expect(decoded.kind == kind(span), sourceLocation: sourceLocation)
        #expect(decoded.start == UInt64(span.startTimeNanos), sourceLocation: sourceLocation)
        #expect(decoded.end == UInt64(span.startTimeNanos + span.durationNanos), sourceLocation: sourceLocation)
        #expect(Set(decoded.attributes.map(\.key)).count == decoded.attributes.count, "keys unique", sourceLocation: sourceLocation)
        #expect(decoded.attributeMap == attributes(span), sourceLocation: sourceLocation)
        #expect(decoded.events.count == span.logs.count, sourceLocation: sourceLocation)
        for (event, log) in zip(decoded.events, span.logs) {
            #expect(event.time == UInt64(log.timestampNanos), sourceLocation: sourceLocation)
            #expect(event.name == (log.fields.last { $0.key == "event" }?.value ?? "log"), sourceLocation: sourceLocation)
            var fields: [String: DecodedValue] = [:]
            for field in log.fields where field.key != "event" { fields[field.key] = .string(field.value) }
            #expect(event.attributes == fields, sourceLocation: sourceLocation)
            #expect(Set(event.attributeKeys).count == event.attributeKeys.count, sourceLocation: sourceLocation)
        }
        #expect(decoded.links.count == span.references.count, sourceLocation: sourceLocation)
        for (link, reference) in zip(decoded.links, span.references) {
            #expect(link.traceID == traceID(reference.traceID), sourceLocation: sourceLocation)
            #expect(link.spanID == bigEndian(reference.spanID), sourceLocation: sourceLocation)
            let kind = reference.kind == .childOf ? "child_of" : "follows_from"
            #expect(link.attributes == ["dapper.reference.kind": .string(kind)], sourceLocation: sourceLocation)
        }
        if isError(span) {
            #expect(decoded.statusCode == 2, sourceLocation: sourceLocation)
            #expect(decoded.statusMessage == errorMessage(span), sourceLocation: sourceLocation)
        } else {
            #expect(!decoded.hasStatus && decoded.statusCode == 0, sourceLocation: sourceLocation)
        }
        #expect(decoded.resource["service.name"] == (serviceName ?? span.serviceName), sourceLocation: sourceLocation)
        #expect(decoded.resourceKeys.first == "service.name", sourceLocation: sourceLocation)
        #expect(decoded.scopeName == "dapper-swift", sourceLocation: sourceLocation)
        #expect(decoded.scopeVersion == "0.1.0", sourceLocation: sourceLocation)
    }
}
