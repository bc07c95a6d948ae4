import CDapperCollectorSocket
import Dapper
import DapperAgent
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// What an ``AgentListener`` and its reading thread share. The thread holds the core, not the
/// listener, so that dropping the last reference to a listener stops the thread.
final class ListenerCore: @unchecked Sendable {
    // @unchecked: `socket` is only used by the reading thread while it runs, and closed by
    // `stop()` after it has returned (or by deinit, once nothing else holds the core); the
    // wake pipe's descriptors never change; the rest is atomic or locked.
    let socket: Socket
    let configuration: AgentListener.Configuration
    private let stopping = Atomic<Bool>(false)
    private let running = Atomic<Bool>(false)
    private let counters = LockedValue(AgentListener.Statistics())
    /// A pipe the reading thread polls beside its sockets: a byte written to it ends the wait
    /// at once, so that `stop()` does not have to wait for a timeout.
    let wakeRead: Int32
    private let wakeWrite: Int32

    init(socket: Socket, configuration: AgentListener.Configuration) throws(SocketError) {
        var descriptors: [Int32] = [-1, -1]
        guard dapper_nonblocking_pipe(&descriptors) == 0 else { throw SocketError.last("pipe") }
        wakeRead = descriptors[0]
        wakeWrite = descriptors[1]
        self.socket = socket
        self.configuration = configuration
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    var isStopping: Bool { stopping.load(ordering: .acquiring) }
    var isRunning: Bool { running.load(ordering: .acquiring) }
    var statistics: AgentListener.Statistics { counters.withLock { $0 } }

    /// Asks the reading thread to return, and wakes it.
    func requestStop() {
        stopping.store(true, ordering: .releasing)
        var byte: UInt8 = 1
        // A full pipe already holds a wake-up; nothing is lost when this write fails.
        _ = write(wakeWrite, &byte, 1)
    }

    func markRunning(_ value: Bool) { running.store(value, ordering: .releasing) }

    func count(_ update: (inout AgentListener.Statistics) -> Void) { counters.withLock(update) }
}

/// Hands events to the handler and counts them; one per reading thread.
struct EventSink {
    let core: ListenerCore
    let handler: @Sendable (AgentListener.Event) -> Void
    let decoder: SpanDecoder

    init(core: ListenerCore, handler: @escaping @Sendable (AgentListener.Event) -> Void) {
        self.core = core
        self.handler = handler
        decoder = SpanDecoder(maximumSize: core.configuration.maximumSpanSize)
    }

    func emit(_ event: AgentListener.Event) {
        core.count {
            switch event {
            case .span: $0.spans += 1
            case .rejected(let reason, _): $0.rejected[reason, default: 0] += 1
            }
        }
        handler(event)
    }

    func decode(_ bytes: UnsafeRawBufferPointer) {
        do {
            emit(.span(try decoder.decode(bytes)))
        } catch {
            emit(.rejected(reason: Self.reason(error), detail: error.description))
        }
    }

    static func reason(_ error: SpanDecodingError) -> String {
        switch error {
        case .tooLarge: "too_large"
        case .malformed: "malformed"
        case .unsupportedVersion: "unsupported_version"
        case .invalidUTF8: "invalid_utf8"
        case .invalidTagValue, .unknownTagKind: "invalid_tag"
        case .unknownReferenceType: "invalid_reference"
        case .timeOutOfRange: "time_out_of_range"
        }
    }
}

/// Waits on `descriptors` with `poll`; `EINTR` counts as a wake-up with nothing ready.
func pollDescriptors(_ descriptors: inout [pollfd], timeoutMilliseconds: Int32) -> Int32 {
    let ready = descriptors.withUnsafeMutableBufferPointer { buffer in
        poll(buffer.baseAddress, nfds_t(buffer.count), timeoutMilliseconds)
    }
    if ready < 0, errno == EINTR { return 0 }
    return ready
}

/// Empties the wake pipe.
func drainWakePipe(_ descriptor: Int32) {
    var bytes = (UInt64(0), UInt64(0))
    while withUnsafeMutableBytes(of: &bytes, { read(descriptor, $0.baseAddress, $0.count) }) > 0 {}
}
