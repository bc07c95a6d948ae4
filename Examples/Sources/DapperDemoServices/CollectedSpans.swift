import Dapper
import Foundation

/// The spans the collector received, from its reading thread.
final class CollectedSpans: @unchecked Sendable {
    // @unchecked: `received` is only touched under `lock`.
    private let lock = NSLock()
    private var received: [FinishedSpan] = []

    func add(_ span: FinishedSpan) { lock.withLock { received.append(span) } }
    var spans: [FinishedSpan] { lock.withLock { received } }
    var count: Int { lock.withLock { received.count } }
}
