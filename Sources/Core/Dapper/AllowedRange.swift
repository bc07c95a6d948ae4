/// Configured values checked against their allowed ranges, worded the same way in the errors of
/// every module: the agent reporter's, the pipeline's and Zipkin's.
package enum AllowedRange {
    /// `nil` when `value` lies in `range`; else the value and the range as the error says them
    /// (`between 1 and 10000`).
    package static func violation(_ value: Int, _ range: ClosedRange<Int>) -> (value: String, allowed: String)? {
        range.contains(value) ? nil : ("\(value)", describe(range))
    }

    /// `nil` when `value` lies in `range`; else the value and the range in Go's duration form
    /// (`between 1ns and 3600s`).
    package static func violation(_ value: Duration, _ range: ClosedRange<Duration>) -> (value: String, allowed: String)? {
        range.contains(value) ? nil : (GoDuration.format(value), describe(range))
    }

    /// `between 1 and 10000`.
    package static func describe(_ range: ClosedRange<Int>) -> String {
        "between \(range.lowerBound) and \(range.upperBound)"
    }

    /// `between 1ns and 3600s`.
    package static func describe(_ range: ClosedRange<Duration>) -> String {
        "between \(GoDuration.format(range.lowerBound)) and \(GoDuration.format(range.upperBound))"
    }
}
