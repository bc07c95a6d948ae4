import Dapper

/// The limits and timings of a ``BatchingReporter``: how much it queues, how it batches, how
/// it retries.
public struct BatchingConfiguration: Sendable, Hashable {
    /// Spans the queue holds before new ones are dropped as ``/Dapper/DropReason/queueFull``
    /// (``queueCapacityRange``).
    public var queueCapacity: Int = 4096
    /// Estimated bytes (``SpanExporter/estimatedSize(of:)``) the queue holds before new spans
    /// are dropped as ``/Dapper/DropReason/queueFull``; `nil`: no byte bound, and no estimate
    /// is made (``byteLimitRange``).
    public var queueByteLimit: Int?
    /// Spans one export gets at most (``maximumBatchSpansRange``).
    public var maximumBatchSpans: Int = 256
    /// Estimated bytes one export gets at most, except that a single span larger than this
    /// is still exported alone (for the exporter to drop as oversize); `nil`: no byte bound
    /// (``byteLimitRange``).
    public var maximumBatchBytes: Int?
    /// How long a batch may wait to fill before it is exported anyway: zero exports what the
    /// queue holds as soon as the thread takes it (``intervalRange``). A flush or a close
    /// exports at once.
    public var batchInterval: Duration = .zero
    /// The time an export is given: its `deadline` is this much after the call
    /// (``timeoutRange``).
    public var exportTimeout: Duration = .seconds(5)
    /// Tries of a batch whose export fails with a retryable failure, the first included; 1
    /// never retries (``maximumAttemptsRange``).
    public var maximumAttempts: Int = 1
    /// The wait before the second try (``intervalRange``).
    public var minimumRetryDelay: Duration = .milliseconds(100)
    /// The longest wait between tries: at least ``minimumRetryDelay``.
    public var maximumRetryDelay: Duration = .seconds(5)
    /// The random fraction of each wait between tries, from 0 (exact doubling) to 1
    /// (``RetryBackoff``): by default each wait is 80 % to 100 % of the doubled delay, so that
    /// processes that failed together do not all retry at the same instant.
    public var retryJitter: Double = 0.2
    /// Whether the reporter publishes its statistics as swift-metrics counters and gauges
    /// (DapperReporting documentation, "Metrics"). Without a bootstrapped `MetricsSystem` they
    /// go to swift-metrics' no-op handler: the cost is then one publication (a few atomic loads,
    /// two short locks) per second and per flush, and one wake-up per second of an idle export
    /// thread, which `false` saves.
    public var emitsMetrics = true
    /// Labels added to every metric of the reporter, besides `exporter`: to tell apart two
    /// reporters of the same exporter (`["destination": "eu"]`). Names are Prometheus label
    /// names (`[a-zA-Z_][a-zA-Z0-9_]*`, not starting with `__`) other than `exporter`,
    /// `result`, `reason` and `outcome`.
    public var metricsLabels: [String: String] = [:]

    /// Creates the default configuration: 4096 spans, batches of 256 exported at once, no
    /// byte bounds, no retries (and, once ``maximumAttempts`` allows them, waits of about
    /// 100 ms, 200 ms, … up to 5 s between tries).
    public init() {}

    /// The allowed ``queueCapacity``.
    public static let queueCapacityRange = 1...10_000_000
    /// The allowed ``maximumBatchSpans``.
    public static let maximumBatchSpansRange = 1...100_000
    /// The allowed ``queueByteLimit`` and ``maximumBatchBytes``.
    public static let byteLimitRange = 1...(1 << 40)
    /// The allowed ``maximumAttempts``.
    public static let maximumAttemptsRange = 1...100
    /// The allowed ``batchInterval`` and retry delays.
    public static let intervalRange = Duration.zero...Duration.seconds(3600)
    /// The allowed ``exportTimeout``.
    public static let timeoutRange = Duration.nanoseconds(1)...Duration.seconds(3600)

    /// Checks every value against its range.
    ///
    /// - Throws: ``BatchingReporterError/invalidConfiguration(name:value:allowed:)`` for the
    ///   first value out of range.
    public func validate() throws(BatchingReporterError) {
        try Self.check("queueCapacity", queueCapacity, Self.queueCapacityRange)
        if let queueByteLimit { try Self.check("queueByteLimit", queueByteLimit, Self.byteLimitRange) }
        try Self.check("maximumBatchSpans", maximumBatchSpans, Self.maximumBatchSpansRange)
        if let maximumBatchBytes { try Self.check("maximumBatchBytes", maximumBatchBytes, Self.byteLimitRange) }
        try Self.check("batchInterval", batchInterval, Self.intervalRange)
        try Self.check("exportTimeout", exportTimeout, Self.timeoutRange)
        try Self.check("maximumAttempts", maximumAttempts, Self.maximumAttemptsRange)
        try Self.check("minimumRetryDelay", minimumRetryDelay, Self.intervalRange)
        try Self.check("maximumRetryDelay", maximumRetryDelay, minimumRetryDelay...Self.intervalRange.upperBound)
        guard (0...1).contains(retryJitter) else {
            throw .invalidConfiguration(name: "retryJitter", value: "\(retryJitter)", allowed: "between 0 and 1")
        }
        for name in metricsLabels.keys.sorted() where !Self.isValidLabelName(name) {
            throw .invalidConfiguration(
                name: "metricsLabels", value: TerminalEscaping.escaped(name),
                allowed: "a Prometheus label name other than exporter, result, reason and outcome")
        }
    }

    private static func isValidLabelName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !name.hasPrefix("__"),
            !ReporterMetrics.reservedLabelNames.contains(name)
        else { return false }
        func isLetter(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || byte == UInt8(ascii: "_")
        }
        return isLetter(first) && name.utf8.allSatisfy { isLetter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    private static func check(_ name: String, _ value: Int, _ range: ClosedRange<Int>) throws(BatchingReporterError) {
        if let wrong = AllowedRange.violation(value, range) { throw .invalidConfiguration(name: name, value: wrong.value, allowed: wrong.allowed) }
    }

    private static func check(_ name: String, _ value: Duration, _ range: ClosedRange<Duration>) throws(BatchingReporterError) {
        if let wrong = AllowedRange.violation(value, range) { throw .invalidConfiguration(name: name, value: wrong.value, allowed: wrong.allowed) }
    }
}
