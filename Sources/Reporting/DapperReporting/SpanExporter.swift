import Dapper

/// Encodes batches of finished spans and sends them somewhere: the one piece a new
/// destination needs to plug into ``BatchingReporter``.
///
/// The pipeline does everything else: the bounded queue, the thread, batching, retries with
/// backoff, flush and close with deadlines, the statistics. An exporter is only ever called
/// from the pipeline's own thread, one call at a time, so it need not be `Sendable` and may
/// keep reusable buffers, a connection, encoders. It may block that thread (a socket write,
/// an HTTP request), never anyone else's.
///
/// ```swift
/// final class LineExporter: SpanExporter {
///     let name = "lines"
///     private var buffer: [UInt8] = []
///
///     func export(_ spans: UnsafeBufferPointer<FinishedSpan>, deadline: ContinuousClock.Instant) -> ExportResult {
///         buffer.removeAll(keepingCapacity: true)
///         for span in spans { buffer.append(contentsOf: "\(span.operationName)\n".utf8) }
///         guard write(buffer) else { return .failed(reason: .writeError, retry: .afterBackoff) }
///         return .delivered(spans.count)
///     }
///
///     func shutdown() { /* close the file */ }
/// }
///
/// let reporter = try BatchingReporter(exporter: LineExporter(), configuration: BatchingConfiguration())
/// ```
public protocol SpanExporter: AnyObject, SendableMetatype {
    /// A stable short name for statistics and thread names: `agent`, `zipkin`, `otlp`.
    var name: String { get }

    /// The estimated encoded size of `span` in bytes, for the queue's and the batches' byte
    /// bounds (``BatchingConfiguration/queueByteLimit``,
    /// ``BatchingConfiguration/maximumBatchBytes``).
    ///
    /// Static because it runs on the threads that report spans, not on the pipeline's: it must
    /// not touch an exporter's state, and it must be cheap and allocate nothing. It is called
    /// only when a byte bound is configured. The default counts the span's strings.
    static func estimatedSize(of span: FinishedSpan) -> Int

    /// Encodes and sends `spans`, at most ``BatchingConfiguration/maximumBatchSpans`` of them,
    /// and says what became of each.
    ///
    /// `spans` is valid only during the call: copy what must outlive it. Blocking is allowed
    /// (this is the pipeline's thread) but should end by `deadline`
    /// (``BatchingConfiguration/exportTimeout`` from the call), so that the pipeline can keep
    /// its flush and close deadlines.
    ///
    /// A partial success is expressed by the order of the spans: the result's
    /// ``ExportResult/delivered`` and ``ExportResult/dropped`` spans are the first ones of
    /// `spans`, and its ``ExportResult/failure`` covers the rest (or, with
    /// ``ExportFailure/count``, the next spans of the rest, the others being untried). Only
    /// that rest is tried again, in a later call, when the failure allows it.
    func export(_ spans: UnsafeBufferPointer<FinishedSpan>, deadline: ContinuousClock.Instant) -> ExportResult

    /// The pipeline gave up on `count` spans of a failed export after `attempts` tries (0
    /// for spans never tried because a close ran out of time), and counted them as dropped
    /// for `reason` (the failure's own, or ``/Dapper/DropReason/closed`` when a close ran out
    /// of time): the place to log it. The default does nothing.
    func didDrop(_ count: Int, after attempts: Int, reason: DropReason)

    /// Called once on the pipeline's thread, after the last export, when the reporter closes
    /// (or is released): close connections, shut clients down.
    func shutdown()
}

extension SpanExporter {
    /// Counts the span's strings plus a fixed overhead per field: a fair estimate for text and
    /// binary encodings alike.
    public static func estimatedSize(of span: FinishedSpan) -> Int {
        var size = 160 + span.serviceName.utf8.count + span.operationName.utf8.count
        for tag in span.tags {
            size += 8 + tag.key.utf8.count
            if case .string(let text) = tag.value { size += text.utf8.count } else { size += 20 }
        }
        for log in span.logs {
            for field in log.fields { size += 40 + field.key.utf8.count + field.value.utf8.count }
        }
        return size
    }

    /// Does nothing.
    public func didDrop(_ count: Int, after attempts: Int, reason: DropReason) {}
}
