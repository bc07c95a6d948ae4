import Foundation
import Logging

/// A swift-log handler that keeps every message, to check what the reporter logs.
package final class LogCapture: LogHandler, @unchecked Sendable {
    // @unchecked: `captured` is guarded by `lock`; the other vars are set before logging starts.
    private let lock = NSLock()
    private var captured: [String] = []
    package var metadata: Logger.Metadata = [:]
    package var logLevel: Logger.Level = .trace

    package init() {}

    package var lines: [String] { lock.withLock { captured } }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        lock.withLock { captured.append("\(event.message)") }
    }
}
