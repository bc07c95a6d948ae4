import Synchronization

/// The dapper tracer: spans with `UInt64` identifiers, the legacy sampler, default tags, a
/// span pool, and a ``Reporter`` that receives every sampled span.
///
/// ```swift
/// let tracer = DapperTracer(serviceName: "user-service", reporter: reporter)
/// setGlobalTracer(tracer)
/// ```
public final class DapperTracer: Tracer {
    /// The name every span of this tracer reports as its service.
    public let serviceName: String
    /// Where sampled spans go when they finish.
    public let reporter: any Reporter
    /// Decides which new traces are sampled.
    public let sampler: any Sampler
    /// The tags every recorded span starts with (Compatibility §6).
    public let defaultTags: [SpanTag]
    let usesSpanPool: Bool
    /// This tracer's number in the process, from 1: an identity that, unlike its address, no
    /// later tracer takes.
    let serial: UInt64
    /// The default tags followed by each kind's `span.kind` tag, indexed by `SpanKind`: what
    /// each thread copies once (`ThreadTracerCopies`) for the spans it finishes, instead of
    /// copying the tags per span.
    private let sharedTagsByKind: [[SpanTag]]

    /// Creates a tracer.
    ///
    /// - Parameters:
    ///   - serviceName: the service's name; `nil` takes the environment variable `APP_ID`,
    ///     else the executable's name.
    ///   - reporter: receives sampled spans.
    ///   - sampler: the legacy probability sampler by default; ``AlwaysSampler`` disables
    ///     sampling (every trace sampled with probability 1).
    ///   - defaultTags: `region`, `zone`, `hostname` and `ip` from the environment by default.
    public convenience init(
        serviceName: String? = nil,
        reporter: any Reporter,
        sampler: any Sampler = ProbabilitySampler(),
        defaultTags: [SpanTag] = DefaultTags.fromEnvironment()
    ) {
        self.init(serviceName: serviceName, reporter: reporter, sampler: sampler, defaultTags: defaultTags, usesSpanPool: true)
    }

    /// Creates a tracer that recycles span storage or, with `usesSpanPool` false, allocates
    /// each span anew.
    ///
    /// SPI rather than public: turning the pool off only serves to measure what the pool buys
    /// (the Benchmarks package's unpooled loop, BENCHMARKS.md), and the Benchmarks package
    /// cannot see `package` declarations.
    @_spi(Benchmarks)
    public init(
        serviceName: String?,
        reporter: any Reporter,
        sampler: any Sampler,
        defaultTags: [SpanTag],
        usesSpanPool: Bool
    ) {
        self.serviceName = serviceName ?? DefaultTags.serviceNameFromEnvironment()
        self.reporter = reporter
        self.sampler = sampler
        self.defaultTags = defaultTags
        self.usesSpanPool = usesSpanPool
        self.serial = Self.lastSerial.add(1, ordering: .relaxed).newValue
        self.sharedTagsByKind = SpanKind.allCases.map { kind in
            guard let value = kind.tagValue else { return defaultTags }
            return defaultTags + [SpanTag(key: SpanTagKey.spanKind, value: .string(value))]
        }
    }

    public func new(_ operationName: String, debug: Bool) -> DapperSpan {
        var context = newRootContext(operationName)
        if debug { context.flags.insert(.debug) }
        let span = startSpan(operationName, context: context, kind: .server)
        if debug { span.setTag(SpanTag(key: SpanTagKey.debug, value: .bool(true))) }
        return span
    }

    public func extract(from carrier: some Carrier) throws(ExtractError) -> DapperSpan {
        guard let value = carrier.get(Propagation.kratosTraceIDKey) else { throw .notFound }
        let remote: SpanContext
        do {
            remote = try SpanContext(parsing: value)
        } catch {
            throw .malformed(error)
        }
        return continueTrace(remote)
    }

    /// Continues a trace whose context came from a peer by other means (another header
    /// format, a message queue): a child of the remote span, of kind `server`, with an empty
    /// operation name. The remote's sampled and debug flags are kept, and so is its
    /// ``SpanContext/traceIDHigh``: every span of the trace in this process inherits it.
    public func continueTrace(_ remote: SpanContext) -> DapperSpan {
        continueTrace(remote, operationName: "", kind: .server, startWallNanos: { nil })
    }

    /// The context of a new trace's root span, the sampler deciding, without starting the
    /// span: instrumentation APIs start it (``startSpan(_:context:kind:startWallNanos:)``)
    /// only when it is recorded.
    package func newRootContext(_ operationName: String) -> SpanContext {
        let traceID = IdentifierGenerator.next()
        let decision = sampler.decide(traceID: traceID, operationName: operationName)
        return .root(
            traceID: traceID, flags: decision.isSampled ? .sampled : [],
            probability: decision.isSampled ? decision.probability : 0)
    }

    /// ``continueTrace(_:)`` with the operation name, kind and start given. The span carries
    /// `remote`'s probability: 0 for a context from a peer (it is not propagated), the
    /// sampler's when the peer left the decision to this process.
    package func continueTrace(
        _ remote: SpanContext, operationName: String, kind: SpanKind, startWallNanos: () -> Int64?
    ) -> DapperSpan {
        let context = SpanContext(
            traceID: remote.traceID,
            traceIDHigh: remote.traceIDHigh,
            spanID: IdentifierGenerator.next(),
            parentID: remote.spanID,
            flags: remote.flags,
            probability: remote.probability,
            level: 1
        )
        let isRecording = context.isSampled || context.isDebug
        return startSpan(operationName, context: context, kind: kind, startWallNanos: isRecording ? startWallNanos() : nil)
    }

    /// Writes `trace`'s context into `carrier` under `kratos-trace-id`. A ``DapperSpan``'s
    /// text goes through ``Carrier/set(_:ascii:)`` from a stack buffer, so that a carrier that
    /// keeps bytes injects without allocating; any other trace through ``Trace/visit(_:)``.
    public func inject(_ trace: some Trace, into carrier: inout some Carrier) {
        if let span = trace as? DapperSpan {
            span.context?.inject(into: &carrier)
        } else {
            trace.visit { key, value in carrier.set(key, value) }
        }
    }

    public func flush(timeout: Duration) async -> FlushResult {
        await reporter.flush(timeout: timeout)
    }

    public func close(timeout: Duration) async -> FlushResult {
        await reporter.close(timeout: timeout)
    }

    private static let lastSerial = Atomic<UInt64>(0)

    @inline(__always)
    func sharedTags(_ kind: SpanKind) -> [SpanTag] { sharedTagsByKind[kind.rawValue] }

    /// What identifies the tag prefix of `kind` (``SpanTags/sharedIdentity``), in every
    /// thread's copy of it: never 0, and no other tracer's or kind's while `SpanKind` has at
    /// most 8 cases (a test holds it to that).
    @inline(__always)
    func sharedTagsIdentity(_ kind: SpanKind) -> UInt64 { serial << 3 | UInt64(kind.rawValue) }

    /// Starts a span with the given context.
    package func startSpan(
        _ operationName: String, context: SpanContext, kind: SpanKind, startWallNanos: Int64? = nil
    ) -> DapperSpan {
        let storage = usesSpanPool ? SpanPool.take() : SpanStorage()
        let generation = storage.start(
            tracer: self, operationName: operationName, context: context, kind: kind, startWallNanos: startWallNanos)
        return DapperSpan(storage: storage, generation: generation)
    }
}
