import Dapper

import DapperWire

extension AgentReporter.Configuration {
    /// The allowed ``queueCapacity``: a million spans is minutes of a busy service's traffic.
    public static let queueCapacityRange = 1...1_000_000
    /// The allowed ``maximumBatchSize``: one `sendmmsg` call sends at most 1024 datagrams.
    public static let maximumBatchSizeRange = 1...1024
    /// The allowed ``maximumSpanSize``: from room for a span's identifiers up to the largest
    /// UDP payload (65 507 bytes), so that a span fits one datagram on every network.
    public static let maximumSpanSizeRange = SpanEncoder.smallestMaximumSize...65_507
    /// The allowed reconnection delays, and DSN timeouts: more than zero, at most an hour.
    public static let delayRange = Duration.nanoseconds(1)...Duration.seconds(3600)

    /// Checks every value against its range.
    ///
    /// - Parameter dsn: The DSN whose timeout is checked too.
    /// - Throws: ``AgentReporterError/invalidConfiguration(name:value:allowed:)`` for the first
    ///   value out of range.
    public func validate(dsn: AgentDSN) throws(AgentReporterError) {
        try Self.check("queueCapacity", queueCapacity, Self.queueCapacityRange)
        try Self.check("maximumBatchSize", maximumBatchSize, Self.maximumBatchSizeRange)
        try Self.check("maximumSpanSize", maximumSpanSize, Self.maximumSpanSizeRange)
        try Self.check("minimumReconnectDelay", minimumReconnectDelay, Self.delayRange)
        try Self.check("maximumReconnectDelay", maximumReconnectDelay, minimumReconnectDelay...Self.delayRange.upperBound)
        try Self.check("timeout (of the DSN)", dsn.timeout, Self.delayRange)
    }

    private static func check(_ name: String, _ value: Int, _ range: ClosedRange<Int>) throws(AgentReporterError) {
        if let wrong = AllowedRange.violation(value, range) { throw .invalidConfiguration(name: name, value: wrong.value, allowed: wrong.allowed) }
    }

    private static func check(_ name: String, _ value: Duration, _ range: ClosedRange<Duration>) throws(AgentReporterError) {
        if let wrong = AllowedRange.violation(value, range) { throw .invalidConfiguration(name: name, value: wrong.value, allowed: wrong.allowed) }
    }
}
