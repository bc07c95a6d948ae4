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
            output += "trace \(String(traceID, radix: 16)) (\(members.count) spans)\n"
            let ids = Set(members.map(\.context.spanID))
            let roots = members.filter { !ids.contains($0.context.parentID) }.sorted { $0.startTimeNanos < $1.startTimeNanos }
            for root in roots { render(root, among: members, depth: 1, into: &output) }
        }
        let errors = spans.filter { $0.tag(SpanTagKey.error) == .bool(true) }.count
        output += "\(traceOrder.count) traces, \(spans.count) spans, \(errors) with errors\n"
        return output
    }

    private static func render(_ span: FinishedSpan, among spans: [FinishedSpan], depth: Int, into output: inout String) {
        let indent = String(repeating: "  ", count: depth)
        let micros = Double(span.durationNanos) / 1000
        var line = "\(indent)\(span.serviceName) \(span.operationName) [\(span.kind ?? "-")] \(formatted(micros)) µs"
        if span.context.parentID != 0 && depth == 1 { line += " (remote parent \(String(span.context.parentID, radix: 16)))" }
        if span.tag(SpanTagKey.error) == .bool(true) {
            let message = span.logs.flatMap(\.fields).first { $0.key == "message" }?.value ?? ""
            line += message.isEmpty ? " ERROR" : " ERROR: \(message)"
        }
        output += line + "\n"
        let children = spans.filter { $0.context.parentID == span.context.spanID && $0.context.spanID != span.context.spanID }
            .sorted { $0.startTimeNanos < $1.startTimeNanos }
        for child in children { render(child, among: spans, depth: depth + 1, into: &output) }
    }

    /// Microseconds to a tenth.
    private static func formatted(_ micros: Double) -> String { String((micros * 10).rounded() / 10) }
}
