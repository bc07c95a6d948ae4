import Dapper
import DapperAgent
import Foundation
import Testing

/// A fresh directory under the system's temporary directory, for unix socket files.
func temporaryDirectory() -> String {
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
final class ReceivedSpans: @unchecked Sendable {
    // @unchecked: `spansReceived` and `rejectedReasons` are only touched under `lock`.
    private let lock = NSLock()
    private var spansReceived: [FinishedSpan] = []
    private var rejectedReasons: [String] = []

    func handle(_ event: AgentListener.Event) {
        lock.withLock {
            switch event {
            case .span(let span): spansReceived.append(span)
            case .rejected(let reason, _): rejectedReasons.append(reason)
            }
        }
    }

    var spans: [FinishedSpan] { lock.withLock { spansReceived } }
    var rejected: [String] { lock.withLock { rejectedReasons } }
    var count: Int { lock.withLock { spansReceived.count } }

    /// Waits until `count` spans arrived or `timeout` passed; returns whether they arrived.
    func waitFor(_ count: Int, timeout: Duration = .seconds(5)) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while self.count < count {
            guard ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: .milliseconds(5))
        }
        return true
    }
}

/// Starts a listener on `dsn` that collects into a new `ReceivedSpans`.
func startListener(_ dsn: AgentDSN) throws -> (AgentListener, ReceivedSpans) {
    let listener = try AgentListener(dsn: dsn)
    let received = ReceivedSpans()
    try listener.start { received.handle($0) }
    return (listener, received)
}

/// A typical span with a recognisable operation name.
func sampleSpan(_ index: Int, service: String = "agent-test") -> FinishedSpan {
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

/// Reporter options that retry quickly, so that fault tests finish fast.
func quickConfiguration(queueCapacity: Int = 4096) -> AgentReporter.Configuration {
    var configuration = AgentReporter.Configuration()
    configuration.queueCapacity = queueCapacity
    configuration.minimumReconnectDelay = .milliseconds(20)
    configuration.maximumReconnectDelay = .milliseconds(200)
    return configuration
}

/// Waits until `condition` holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        guard ContinuousClock.now < deadline else { return false }
        try? await Task.sleep(for: .milliseconds(5))
    }
    return true
}

/// Records what happens to the entries of a directory (inotify), to see how a file came to be.
final class DirectoryWatch {
    struct Event: CustomStringConvertible {
        var mask: UInt32
        var name: String
        var description: String { "\(name): 0x\(String(mask, radix: 16))" }
    }

    private let descriptor: Int32

    init(_ directory: String) throws {
        descriptor = inotify_init1(Int32(IN_NONBLOCK))
        try #require(descriptor >= 0)
        let mask = UInt32(IN_CREATE) | UInt32(IN_MOVED_TO) | UInt32(IN_ATTRIB)
        try #require(inotify_add_watch(descriptor, directory, mask) >= 0)
    }

    deinit { close(descriptor) }

    /// The events so far, in order.
    func events() -> [Event] {
        var result: [Event] = []
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { return result }
            buffer.withUnsafeBytes { raw in
                var offset = 0
                let header = MemoryLayout<inotify_event>.size
                while offset + header <= count {
                    let event = raw.loadUnaligned(fromByteOffset: offset, as: inotify_event.self)
                    let nameBytes = raw[(offset + header)..<(offset + header + Int(event.len))].prefix { $0 != 0 }
                    result.append(Event(mask: event.mask, name: String(decoding: nameBytes, as: UTF8.self)))
                    offset += header + Int(event.len)
                }
            }
        }
    }
}
