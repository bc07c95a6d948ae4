#if DistributedTracing  // a package trait, on by default (README, "Installation")
import Dapper

/// Parsing and writing of the header formats, independent of any carrier.
enum TraceHeaders {
    // MARK: Kratos

    static func parseKratos(_ value: String) throws(TraceHeaderError) -> PropagatedContext {
        do {
            return PropagatedContext(try SpanContext(parsing: value))
        } catch {
            throw .kratos(error)
        }
    }

    static func formatKratos(_ context: PropagatedContext, parentID: UInt64) -> String {
        SpanContext(traceID: context.traceID, spanID: context.spanID, parentID: parentID, flags: context.spanFlags)
            .description
    }

    // MARK: B3

    /// Multi-header B3; `header` reads one header by its lower-case name. Without
    /// `X-B3-TraceId`, the sampling decision alone (`X-B3-Sampled`, `X-B3-Flags`) if there is
    /// one, else `nil`.
    static func parseB3Multi(_ header: (String) -> String?) throws(TraceHeaderError) -> PropagatedContext? {
        guard let traceText = header(HeaderName.b3TraceID) else {
            if header(HeaderName.b3Flags) == "1" { return .decisionOnly([.sampled, .debug]) }
            guard let sampled = header(HeaderName.b3Sampled) else { return nil }
            switch sampled {
            case "1", "true": return .decisionOnly(.sampled)
            case "0", "false": return .decisionOnly([])
            default: throw .b3(header: "X-B3-Sampled", value: sampled)
            }
        }
        guard let trace = b3TraceID(traceText) else { throw .b3(header: "X-B3-TraceId", value: traceText) }
        let spanText = header(HeaderName.b3SpanID) ?? ""
        guard let spanID = Hex.parse(spanText.utf8, length: 16), spanID != 0 else {
            throw .b3(header: "X-B3-SpanId", value: spanText)
        }
        if let parent = header(HeaderName.b3ParentSpanID), Hex.parse(parent.utf8, length: 16) == nil {
            throw .b3(header: "X-B3-ParentSpanId", value: parent)
        }
        var flags: SpanContext.Flags = []
        var deferred = true
        if header(HeaderName.b3Flags) == "1" {
            flags = [.sampled, .debug]
            deferred = false
        } else if let sampled = header(HeaderName.b3Sampled) {
            switch sampled {
            case "1", "true": flags = .sampled
            case "0", "false": break
            default: throw .b3(header: "X-B3-Sampled", value: sampled)
            }
            deferred = false
        }
        return PropagatedContext(
            traceID: trace.low, traceIDHigh: trace.high, spanID: spanID, flags: flags, samplingDeferred: deferred)
    }

    /// Single-header `b3`. A value that only carries a sampling decision (`0`, `1`, `d`) gives
    /// that decision without a trace (``PropagatedContext/decisionOnly(_:)``).
    static func parseB3Single(_ value: String) throws(TraceHeaderError) -> PropagatedContext? {
        // Checked before any splitting, so that a huge header costs no more than a valid one.
        guard value.utf8.count <= maximumB3SingleLength else { throw .b3(header: "b3", value: value) }
        let parts = value.split(separator: "-", maxSplits: 4, omittingEmptySubsequences: false)
        if parts.count == 1 {
            switch parts[0] {
            case "0": return .decisionOnly([])
            case "1": return .decisionOnly(.sampled)
            case "d": return .decisionOnly([.sampled, .debug])
            default: break
            }
        }
        guard parts.count >= 2, parts.count <= 4,
            let trace = b3TraceID(parts[0]),
            let spanID = Hex.parse(parts[1].utf8, length: 16), spanID != 0
        else { throw .b3(header: "b3", value: value) }
        var flags: SpanContext.Flags = []
        var deferred = true
        if parts.count >= 3 {
            switch parts[2] {
            case "1": flags = .sampled
            case "0": break
            case "d": flags = [.sampled, .debug]
            default: throw .b3(header: "b3", value: value)
            }
            deferred = false
        }
        if parts.count == 4, Hex.parse(parts[3].utf8, length: 16) == nil { throw .b3(header: "b3", value: value) }
        return PropagatedContext(
            traceID: trace.low, traceIDHigh: trace.high, spanID: spanID, flags: flags, samplingDeferred: deferred)
    }

    /// The longest valid single `b3` value: a 128-bit trace ID, a span ID, a decision and a
    /// parent span ID, with their three dashes.
    static let maximumB3SingleLength = 32 + 1 + 16 + 1 + 1 + 1 + 16

    static func b3Sampled(_ context: PropagatedContext) -> String {
        context.isDebug ? "d" : context.isSampled ? "1" : "0"
    }

    static func formatB3Single(_ context: PropagatedContext, parentID: UInt64) -> String {
        var text = formatB3TraceID(context) + "-" + Hex.string16(context.spanID) + "-" + b3Sampled(context)
        if parentID != 0 { text += "-" + Hex.string16(parentID) }
        return text
    }

    /// The B3 trace ID as Zipkin writes it: 32 hex digits when the high half is non-zero, 16
    /// otherwise.
    static func formatB3TraceID(_ context: PropagatedContext) -> String {
        let high = context.traceIDHigh
        return high == 0 ? Hex.string16(context.traceID) : Hex.string16(high) + Hex.string16(context.traceID)
    }

    /// A B3 trace ID: 16 or 32 hex digits; `nil` if malformed, or if its low 64 bits are zero
    /// (`kratos-trace-id` and `span.proto` need a non-zero 64-bit ID).
    private static func b3TraceID(_ text: some StringProtocol) -> (low: UInt64, high: UInt64)? {
        let utf8 = text.utf8
        guard utf8.count == 16 || utf8.count == 32 else { return nil }
        guard let low = Hex.parse(utf8.suffix(16), length: 16), low != 0 else { return nil }
        guard utf8.count == 32 else { return (low, 0) }
        guard let high = Hex.parse(utf8.prefix(16), length: 16) else { return nil }
        return (low, high)
    }

    // MARK: W3C traceparent

    /// `traceparent` (W3C Trace Context level 1): version `00` exactly as specified; a later
    /// version is read by its first four fields as the specification requires; `ff` and any
    /// upper-case hex are invalid.
    static func parseTraceparent(_ value: String) throws(TraceHeaderError) -> PropagatedContext {
        // A later version may append fields, but no version needs kilobytes: bound the copy.
        guard value.utf8.count <= 512 else { throw .traceparent(value) }
        let utf8 = Array(value.utf8)
        guard utf8.count >= 55,
            let version = Hex.parse(utf8[0..<2], length: 2, lowerCaseOnly: true), version != 0xff,
            utf8[2] == UInt8(ascii: "-"), utf8[35] == UInt8(ascii: "-"), utf8[52] == UInt8(ascii: "-"),
            version != 0 ? (utf8.count == 55 || utf8[55] == UInt8(ascii: "-")) : utf8.count == 55,
            let high = Hex.parse(utf8[3..<19], length: 16, lowerCaseOnly: true),
            let low = Hex.parse(utf8[19..<35], length: 16, lowerCaseOnly: true),
            high != 0 || low != 0,
            let parent = Hex.parse(utf8[36..<52], length: 16, lowerCaseOnly: true), parent != 0,
            let flags = Hex.parse(utf8[53..<55], length: 2, lowerCaseOnly: true)
        else { throw .traceparent(value) }
        // A valid 128-bit ID whose low half is zero: `kratos-trace-id` and `span.proto` need a
        // non-zero 64-bit ID, so it is refused (and a new trace starts), as a 64-bit peer would.
        guard low != 0 else { throw .traceparent(value) }
        return PropagatedContext(traceID: low, traceIDHigh: high, spanID: parent, flags: flags & 1 == 1 ? .sampled : [])
    }

    /// `00-{high}{low}-{spanID}-{flags}`: the high half is zero for a trace that began in
    /// Dapper or in Kratos v1.
    static func formatTraceparent(_ context: PropagatedContext) -> String {
        "00-" + Hex.string16(context.traceIDHigh) + Hex.string16(context.traceID) + "-" + Hex.string16(context.spanID)
            + (context.isSampled || context.isDebug ? "-01" : "-00")
    }
}
#endif
