/// Why a batch of spans cannot be encoded as an OTLP export request.
public enum OTLPEncodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The span at `index` of the batch has a start before the Unix epoch, a negative
    /// duration, or an end past the year 2262 (OTLP times are unsigned nanoseconds, and the
    /// end is start + duration in 64 bits). Encode the batch without it.
    case invalidTime(index: Int, startNanos: Int64, durationNanos: Int64)
    /// A log entry of the span at `index` of the batch is dated before the Unix epoch. Encode
    /// the batch without the span.
    case invalidLogTime(index: Int, timestampNanos: Int64)
    /// The request would be larger than 2 GiB, more than a protobuf message may be. Split the
    /// batch.
    case tooLarge(bytes: Int)

    /// The problem in a sentence, naming the span's position in the batch.
    public var description: String {
        switch self {
        case .invalidTime(let index, let start, let duration):
            "span \(index) of the batch has a start (\(start) ns) or duration (\(duration) ns) that OTLP cannot carry"
        case .invalidLogTime(let index, let timestamp):
            "span \(index) of the batch has a log entry dated before the Unix epoch (\(timestamp) ns)"
        case .tooLarge(let bytes):
            "the export request would take \(bytes) bytes, more than a protobuf message may (2 GiB)"
        }
    }
}
