import Dapper
import Foundation

/// The spans the cross-check exports encode, and where they write: `Scripts/test` names a
/// directory in `DAPPER_CROSSCHECK_DIR`, runs the export tests (the span.proto one and the
/// Zipkin one, in two test targets), then checks what they wrote with Python.
package enum CrossCheckSpans {
    /// The directory to write into; `nil` when the variable is unset, and the exports skip.
    package static let directory = ProcessInfo.processInfo.environment["DAPPER_CROSSCHECK_DIR"]

    /// Every vector, 300 random spans, and a span that the span.proto encoder shrinks to
    /// 32 KiB (it must still be a valid message).
    package static func spans() -> [FinishedSpan] {
        var spans = WireVectors.spans.map(\.span)
        var random = SplitMix64(seed: 0xC0FFEE)
        for _ in 0..<300 { spans.append(randomSpan(using: &random)) }
        var big = spans[0]
        for index in 0..<100 {
            big.logs.append(SpanLog(timestampNanos: Int64(index), fields: [SpanLogField(key: "k", value: String(repeating: "v", count: 700))]))
        }
        spans.append(big)
        return spans
    }
}
