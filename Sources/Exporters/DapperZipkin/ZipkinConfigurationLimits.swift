#if Zipkin  // a package trait, on by default (README, "Installation")
import Dapper

extension ZipkinConfiguration {
    /// The allowed ``queueCapacity`` (URL parameter `queue`): a million spans is minutes of a
    /// busy service's traffic; the queue's memory grows with what waits, not with this bound.
    public static let queueCapacityRange = 1...1_000_000
    /// The allowed ``queueByteLimit`` (`queue_bytes`): up to 4 GiB.
    public static let queueByteLimitRange = 1...(4 << 30)
    /// The allowed ``maximumBatchSpans`` (`batch_spans`).
    public static let maximumBatchSpansRange = 1...10_000
    /// The allowed ``maximumBatchBytes`` (`batch_bytes`): up to 64 MiB.
    public static let maximumBatchBytesRange = 1...(64 << 20)
    /// The allowed ``maximumAttempts`` (`attempts`).
    public static let maximumAttemptsRange = 1...100
    /// The allowed ``flushInterval`` (`flush_interval`) and ``requestTimeout`` (`timeout`):
    /// more than zero, at most an hour.
    public static let intervalRange = Duration.nanoseconds(1)...Duration.seconds(3600)
    /// The allowed ``minimumRetryDelay`` and ``maximumRetryDelay``: at most a minute, and the
    /// maximum at least the minimum.
    public static let retryDelayRange = Duration.zero...Duration.seconds(60)

    /// Checks every value against its range, and the endpoint and headers against their
    /// syntax. ``ZipkinReporter/init(configuration:httpClient:logger:)`` calls it, so that a
    /// value set in code is refused as a URL parameter is.
    ///
    /// - Throws: ``ZipkinConfigurationError`` for the first value that is not allowed, naming
    ///   the property and its range.
    public func validate() throws(ZipkinConfigurationError) {
        try Self.check("queueCapacity", queueCapacity, Self.queueCapacityRange)
        try Self.check("queueByteLimit", queueByteLimit, Self.queueByteLimitRange)
        try Self.check("maximumBatchSpans", maximumBatchSpans, Self.maximumBatchSpansRange)
        try Self.check("maximumBatchBytes", maximumBatchBytes, Self.maximumBatchBytesRange)
        try Self.check("maximumAttempts", maximumAttempts, Self.maximumAttemptsRange)
        try Self.check("flushInterval", flushInterval, Self.intervalRange)
        try Self.check("requestTimeout", requestTimeout, Self.intervalRange)
        try Self.check("minimumRetryDelay", minimumRetryDelay, Self.retryDelayRange)
        try Self.check("maximumRetryDelay", maximumRetryDelay, minimumRetryDelay...Self.retryDelayRange.upperBound)
        _ = try ZipkinEndpoint(endpoint).credentials()
        for header in headers { try Self.checkHeader(name: header.name, value: header.value) }
    }

    static func check(_ name: String, _ value: Int, _ range: ClosedRange<Int>) throws(ZipkinConfigurationError) {
        if let wrong = AllowedRange.violation(value, range) { throw .outOfRange(name: name, value: wrong.value, allowed: wrong.allowed) }
    }

    static func check(_ name: String, _ value: Duration, _ range: ClosedRange<Duration>) throws(ZipkinConfigurationError) {
        if let wrong = AllowedRange.violation(value, range) { throw .outOfRange(name: name, value: wrong.value, allowed: wrong.allowed) }
    }
}

#endif
