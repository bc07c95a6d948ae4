import Dapper
import DapperWire

/// Zipkin's annotations: a span's log fields that make the same annotation as an earlier one
/// (the same microsecond, key and value) are sent once.
extension RepeatFinder {
    /// Empties the table and records the fields of `logs` before the field at `fieldIndex` of
    /// the log at `logIndex`, for ``repeatsEarlierAnnotation(_:_:_:_:_:)`` from that field on:
    /// the encoders compare a span's first fields pairwise, and switch to the table when a span
    /// has more than ``linearScanLimit``.
    mutating func startAnnotations(_ logs: UnsafeBufferPointer<SpanLog>, before logIndex: Int, _ fieldIndex: Int) {
        guard let base = logs.baseAddress else { return }
        var count = 0
        for index in logs.indices { count += (base + index).pointee.fields.count }
        reset(for: count)
        for earlierLog in 0...logIndex {
            let log = base + earlierLog
            let timestamp = ZipkinJSONEncoder.microseconds(log.pointee.timestampNanos)
            let end = earlierLog == logIndex ? fieldIndex : Int.max
            log.pointee.fields.forEachInPlace { earlierField, field in
                // A repeat among them is not recorded again: its first is.
                if earlierField < end { _ = repeatsEarlierAnnotation(logs, earlierLog, field, earlierField, timestamp) }
            }
        }
    }

    /// Whether `field`, the field at `fieldIndex` of the log at `logIndex` of `logs`, makes the
    /// same annotation as an earlier field recorded since ``startAnnotations(_:before:_:)``: the
    /// same microsecond (`timestamp`) and an equal key and value. Records it if not.
    mutating func repeatsEarlierAnnotation(
        _ logs: UnsafeBufferPointer<SpanLog>, _ logIndex: Int, _ field: borrowing SpanLogField, _ fieldIndex: Int,
        _ timestamp: Int64
    ) -> Bool {
        var hasher = Hasher()
        hasher.combine(timestamp)
        hasher.combine(field.key)
        hasher.combine(field.value)
        guard let base = logs.baseAddress else { return false }
        let key = field.key
        let value = field.value
        return !insert(hasher.finalize(), logIndex, fieldIndex) { earlierLog, earlierField in
            let log = base + earlierLog
            guard ZipkinJSONEncoder.microseconds(log.pointee.timestampNanos) == timestamp else { return false }
            let earlier = log.pointee.fields[earlierField]
            return earlier.key == key && earlier.value == value
        }
    }
}
