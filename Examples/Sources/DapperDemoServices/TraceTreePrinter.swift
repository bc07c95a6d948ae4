import Dapper

/// Renders finished spans as one indented tree per trace.
public enum TraceTreePrinter {
    /// One tree per trace (in the order their first span arrived), then a summary line.
    public static func render(_ spans: [FinishedSpan]) -> String {
        var output = ""
        var traceOrder: [UInt64] = []
        var byTrace: [UInt64: [FinishedSpan]] = [:]
        for span in spans {
            if byTrace[span.context.traceID] == nil { traceOrder.append(span.context.traceID) }
            byTrace[span.context.traceID, default: []].append(span)
        }
        for traceID in traceOrder {
            let members = byTrace[traceID] ?? []
            // Spans are grouped by the 64 bits every service keeps; a trace that came in with a
            // 128-bit ID shows it whole, and a span of a Kratos v1-style hop (which keeps 64 bits
            // only) says so.
            let high = members.lazy.map(\.context.traceIDHigh).first { $0 != 0 } ?? 0
            let shown = high == 0 ? String(traceID, radix: 16) : hex16(high) + hex16(traceID)
            output += "trace \(shown) (\(members.count) spans)\n"
            let ids = Set(members.map(\.context.spanID))
            let roots = members.filter { !ids.contains($0.context.parentID) }.sorted { $0.startTimeNanos < $1.startTimeNanos }
            for root in roots { render(root, among: members, depth: 1, wide: high != 0, into: &output) }
        }
        let errors = spans.filter { $0.tag(SpanTagKey.error) == .bool(true) }.count
        output += "\(traceOrder.count) traces, \(spans.count) spans, \(errors) with errors\n"
        return output
    }

    private static func render(_ span: FinishedSpan, among spans: [FinishedSpan], depth: Int, wide: Bool, into output: inout String) {
        let indent = String(repeating: "  ", count: depth)
        let micros = Double(span.durationNanos) / 1000
        var line = "\(indent)\(span.serviceName) \(span.operationName) [\(span.kind ?? "-")] \(formatted(micros)) µs"
        if span.context.parentID != 0 && depth == 1 { line += " (remote parent \(String(span.context.parentID, radix: 16)))" }
        if wide && span.context.traceIDHigh == 0 { line += " (64-bit trace ID)" }
        if span.tag(SpanTagKey.error) == .bool(true) {
            let message = span.logs.flatMap(\.fields).first { $0.key == "message" }?.value ?? ""
            line += message.isEmpty ? " ERROR" : " ERROR: \(message)"
        }
        output += line + "\n"
        let children = spans.filter { $0.context.parentID == span.context.spanID && $0.context.spanID != span.context.spanID }
            .sorted { $0.startTimeNanos < $1.startTimeNanos }
        for child in children { render(child, among: spans, depth: depth + 1, wide: wide, into: &output) }
    }

    /// 16 lower-case hex digits, zero-padded.
    private static func hex16(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }

    /// Microseconds to a tenth.
    private static func formatted(_ micros: Double) -> String { String((micros * 10).rounded() / 10) }
}
