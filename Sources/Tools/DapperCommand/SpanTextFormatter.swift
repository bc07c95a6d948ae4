#if Command  // a package trait, on by default (README, "Installation")
import Dapper

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The `text` output: one readable line per span, its peer-supplied parts escaped
/// (``TerminalEscaping``) so that a span is always exactly one line.
enum SpanTextFormatter {
    /// `2023-11-14T22:13:20.123456Z user-service /api/user/info 7b2a…:7b2a…:0 1.235ms server
    /// http.method=GET error=true | event=error message=…`
    static func line(_ span: FinishedSpan) -> String {
        let escaped = TerminalEscaping.escaped
        var line = timestamp(span.startTimeNanos)
        line += " \(escaped(span.serviceName)) \(escaped(span.operationName))"
        line += " \(hex(span.context.traceID)):\(hex(span.context.spanID)):\(hex(span.context.parentID))"
        line += " " + duration(span.durationNanos)
        for tag in span.tags where !["region", "zone", "hostname", "ip"].contains(tag.key) {
            let value = escaped("\(tag.value)")
            line += tag.key == SpanTagKey.spanKind ? " \(value)" : " \(escaped(tag.key))=\(value)"
        }
        for log in span.logs {
            line += " |"
            for field in log.fields { line += " \(escaped(field.key))=\(escaped(field.value))" }
        }
        return line
    }

    private static func hex(_ value: UInt64) -> String { String(value, radix: 16) }

    static func duration(_ nanos: Int64) -> String {
        if nanos < 1_000 { return "\(nanos)ns" }
        if nanos < 1_000_000 { return fixed(Double(nanos) / 1_000, "µs") }
        if nanos < 1_000_000_000 { return fixed(Double(nanos) / 1_000_000, "ms") }
        return fixed(Double(nanos) / 1_000_000_000, "s")
    }

    private static func fixed(_ value: Double, _ unit: String) -> String {
        let scaled = (value * 1000).rounded() / 1000
        return "\(scaled)\(unit)"
    }

    /// ISO 8601 in UTC with microseconds.
    static func timestamp(_ nanos: Int64) -> String {
        var seconds = time_t(nanos / 1_000_000_000)
        var micros = (nanos % 1_000_000_000) / 1_000
        if micros < 0 {
            seconds -= 1
            micros += 1_000_000
        }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let fraction = String(micros)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))"
            + "T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))"
            + "." + String(repeating: "0", count: 6 - fraction.count) + fraction + "Z"
    }
}
#endif
