/// Durations written as Go writes them (`200ms`, `1.5s`, `1m30s`), the form of the agent DSN's
/// `timeout` and of the Zipkin URL's `timeout` and `flush_interval`.
package enum GoDuration {
    /// Reads a sequence of decimal numbers, each with a unit (`ns`, `us`, `µs`, `ms`, `s`, `m`,
    /// `h`); `nil` when the text is not such a sequence.
    ///
    /// A duration longer than nanoseconds can hold in 64 bits comes back in whole seconds, so
    /// that a range check can still name the value it refuses.
    package static func parse(_ text: String) -> Duration? {
        var bytes = Substring(text).utf8[...]
        guard !bytes.isEmpty else { return nil }
        func isNumeric(_ byte: UInt8) -> Bool {
            byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") || byte == UInt8(ascii: ".")
        }
        var total: Double = 0
        while !bytes.isEmpty {
            let numberEnd = bytes.firstIndex { !isNumeric($0) } ?? bytes.endIndex
            guard numberEnd != bytes.startIndex, let number = Double(String(decoding: bytes[..<numberEnd], as: UTF8.self)) else {
                return nil
            }
            bytes = bytes[numberEnd...]
            let unitEnd = bytes.firstIndex(where: isNumeric) ?? bytes.endIndex
            let unit = String(decoding: bytes[..<unitEnd], as: UTF8.self)
            bytes = bytes[unitEnd...]
            let scale: Double
            switch unit {
            case "ns": scale = 1
            case "us", "µs": scale = 1e3
            case "ms": scale = 1e6
            case "s": scale = 1e9
            case "m": scale = 60e9
            case "h": scale = 3600e9
            default: return nil
            }
            total += number * scale
        }
        guard total.isFinite else { return nil }
        guard total < 1e18 else { return .seconds(Int64(min(total / 1e9, 9e18))) }
        return .nanoseconds(Int64(total.rounded()))
    }

    /// The text ``parse(_:)`` reads back exactly, in the largest unit that keeps it whole; in
    /// whole seconds when the duration is too long for nanoseconds (set in code, it may be).
    package static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        let (nanos, carry) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
        if overflow || carry { return "\(seconds)s" }
        if nanos % 1_000_000_000 == 0 { return "\(nanos / 1_000_000_000)s" }
        if nanos % 1_000_000 == 0 { return "\(nanos / 1_000_000)ms" }
        if nanos % 1_000 == 0 { return "\(nanos / 1_000)us" }
        return "\(nanos)ns"
    }
}
