import Dapper
import DapperAgent
import DapperCollector
import Foundation

// What the reporter's tests (DapperAgentTests) and the collector's (DapperCollectorTests)
// share: each side is tested against the other's real sockets.

/// A fresh directory under the system's temporary directory, for unix socket files.
package func temporaryDirectory() -> String {
    var template = Array("/tmp/dapper-agent-test-XXXXXX".utf8CString)
    let path = template.withUnsafeMutableBufferPointer { buffer in
        mkdtemp(buffer.baseAddress!).map { String(cString: $0) }
    }
    return path ?? "/tmp"
}

/// Spans a listener received, kept for the test to look at.
///
/// Behind an `NSLock` (a pthread mutex), not `Synchronization.Mutex`: the thread sanitizer
/// sees the ordering a pthread mutex gives, not the standard library's.
package final class ReceivedSpans: @unchecked Sendable {
    // @unchecked: `spansReceived` and `rejectedReasons` are only touched under `lock`.
    private let lock = NSLock()
    private var spansReceived: [FinishedSpan] = []
    private var rejectedReasons: [String] = []

    package init() {}

    package func handle(_ event: AgentListener.Event) {
        lock.withLock {
            switch event {
            case .span(let span): spansReceived.append(span)
            case .rejected(let reason, _): rejectedReasons.append(reason)
            }
        }
    }

    package var spans: [FinishedSpan] { lock.withLock { spansReceived } }
    package var rejected: [String] { lock.withLock { rejectedReasons } }
    package var count: Int { lock.withLock { spansReceived.count } }

    /// Waits until `count` spans arrived or `timeout` passed; returns whether they arrived.
    package func waitFor(_ count: Int, timeout: Duration = .seconds(5)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while self.count < count {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }
}

/// Starts a listener on `dsn` that collects into a new `ReceivedSpans`.
package func startListener(_ dsn: AgentDSN) throws -> (AgentListener, ReceivedSpans) {
    let listener = try AgentListener(dsn: dsn)
    let received = ReceivedSpans()
    try listener.start { received.handle($0) }
    return (listener, received)
}

/// A typical span with a recognisable operation name.
package func sampleSpan(_ index: Int, service: String = "agent-test") -> FinishedSpan {
    FinishedSpan(
        serviceName: service,
        operationName: "op-\(index)",
        context: SpanContext(traceID: UInt64(index + 1), spanID: UInt64(index + 1000), flags: .sampled, probability: 1),
        startTimeNanos: 1_700_000_000_000_000_000 + Int64(index),
        durationNanos: 1_000 + Int64(index),
        tags: [
            SpanTag(key: "region", value: "region01"), SpanTag(key: "span.kind", value: "server"),
            SpanTag(key: "index", value: .int(Int64(index))), SpanTag(key: "ok", value: .bool(index % 2 == 0)),
        ],
        logs: [SpanLog(timestampNanos: 1_700_000_000_000_000_500, fields: [SpanLogField(key: "event", value: "e\(index)")])])
}

/// Waits until `condition` holds or `timeout` passes; returns whether it held.
package func eventually(timeout: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return true
}
