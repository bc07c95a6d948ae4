import Synchronization

/// Makes `tracer` the process-wide tracer that the module-level functions use.
///
/// Call it once at start-up, before serving. Until then the process-wide tracer is a
/// ``NoopTracer``. Reading the process-wide tracer takes no lock.
public func setGlobalTracer(_ tracer: some Tracer) {
    GlobalTracerStorage.shared.set(tracer)
}

/// The process-wide tracer (a ``NoopTracer`` until ``setGlobalTracer(_:)``).
public var globalTracer: any Tracer {
    GlobalTracerStorage.shared.current
}

/// Starts a new trace with the process-wide tracer; see ``Tracer/new(_:debug:)``.
public func newTrace(_ operationName: String, debug: Bool = false) -> any Trace {
    globalTracer.new(operationName, debug: debug)
}

/// Writes `trace`'s context into `carrier` with the process-wide tracer.
public func injectTrace(_ trace: some Trace, into carrier: inout some Carrier) {
    globalTracer.inject(trace, into: &carrier)
}

/// Continues a trace from `carrier` with the process-wide tracer; see ``Tracer/extract(from:)``.
public func extractTrace(from carrier: some Carrier) throws(ExtractError) -> any Trace {
    try globalTracer.extract(from: carrier)
}

/// Flushes the process-wide tracer's reporter, waiting at most `timeout`.
public func flushGlobalTracer(timeout: Duration = .seconds(1)) async -> FlushResult {
    await globalTracer.flush(timeout: timeout)
}

/// Flushes and closes the process-wide tracer's reporter, waiting at most `timeout`.
public func closeGlobalTracer(timeout: Duration = .seconds(1)) async -> FlushResult {
    await globalTracer.close(timeout: timeout)
}

/// Holds the process-wide tracer behind one atomic pointer.
///
/// Readers load the pointer and use the box without retaining it first, which is safe only
/// because no box is ever freed: every tracer ever set stays in `all`. Tracers are set once or
/// a handful of times per process, so that costs nothing worth a lock on every read.
private final class GlobalTracerStorage: Sendable {
    static let shared = GlobalTracerStorage()

    private final class Box: Sendable {
        let tracer: any Tracer
        init(_ tracer: any Tracer) { self.tracer = tracer }
    }

    /// The address of the current `Box`.
    private let pointer: Atomic<UInt>
    private let all: LockedValue<[Box]>

    init() {
        let box = Box(NoopTracer())
        all = LockedValue([box])
        pointer = Atomic(Self.address(of: box))
    }

    var current: any Tracer {
        let address = pointer.load(ordering: .acquiring)
        // Never nil: the address always comes from `address(of:)` of a live box.
        return Unmanaged<Box>.fromOpaque(UnsafeRawPointer(bitPattern: address)!).takeUnretainedValue().tracer
    }

    private static func address(of box: Box) -> UInt {
        UInt(bitPattern: Unmanaged.passUnretained(box).toOpaque())
    }

    func set(_ tracer: any Tracer) {
        let box = Box(tracer)
        all.withLock { $0.append(box) }
        pointer.store(Self.address(of: box), ordering: .releasing)
    }
}
