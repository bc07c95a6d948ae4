import Dapper

/// Gives spans reported with a 64-bit trace ID the high half their trace has elsewhere, before
/// an agent forwards them to a backend that compares all 128 bits (OTLP's Jaeger and Tempo).
///
/// A trace begun by a Kratos v2 (OpenTelemetry) service has a 128-bit ID. Swift services keep it
/// whole and send the high half in `span.proto`'s field 23, but a Kratos v1 (Go) service on
/// the way only knows the `kratos-trace-id`'s 64 bits: its spans, and those of the services it
/// calls, reach the agent with the low half only, and would show as a second trace. This
/// remembers, for each trace the agent has seen with a high half, that high half, and gives it
/// to the trace's 64-bit spans.
///
/// A Kratos v1 hop finishes before the Swift spans around it, so its spans often arrive first:
/// a 64-bit span of a trace not known yet is held for ``window`` (2 s by default) and widened if
/// the trace's high half arrives meanwhile. Nothing is ever dropped: a held span whose trace
/// stays unknown is delivered as it came, when its window ends, when more than ``capacity``
/// spans are held (the oldest first), or at ``drain()``. An agent that has never seen a 128-bit
/// trace (a fleet of Kratos v1 and Swift services only) holds nothing back.
///
/// Spans are delivered through the closure given to `init`, from the thread that submitted
/// them or from the widening's own thread when a window ends. That thread runs until
/// ``stop()``, which every user calls once, before closing the forwarders.
public final class TraceIDWidening: Sendable {
    /// How long a 64-bit span of an unknown trace waits for its trace's high half.
    public let window: Duration
    /// The most spans held at once.
    public let capacity: Int
    /// The most traces whose high half is remembered; the oldest are forgotten first.
    public let rememberedTraces: Int

    private let deliver: @Sendable (FinishedSpan) -> Void
    private let lock = ConditionLock()
    // nonisolated(unsafe): only read and written with `lock` held.
    private nonisolated(unsafe) var state: State

    private struct State {
        var highHalves: [UInt64: UInt64] = [:]
        /// The remembered traces' low halves, oldest first, for forgetting in order.
        var order: [UInt64] = []
        var orderStart = 0
        /// The held spans, oldest first, each with the monotonic time its window ends.
        var held: [(deadline: UInt64, span: FinishedSpan)] = []
        var heldStart = 0
        var widened = 0
        var stopped = false

        var heldCount: Int { held.count - heldStart }

        mutating func remember(low: UInt64, high: UInt64, limit: Int) {
            guard highHalves.updateValue(high, forKey: low) == nil else { return }
            order.append(low)
            if order.count - orderStart > limit {
                highHalves[order[orderStart]] = nil
                orderStart += 1
            }
            if orderStart > 4096, orderStart * 2 > order.count {
                order.removeFirst(orderStart)
                orderStart = 0
            }
        }

        mutating func widen(_ span: inout FinishedSpan) {
            guard span.context.traceIDHigh == 0, let high = highHalves[span.context.traceID] else { return }
            span.context.traceIDHigh = high
            widened += 1
        }

        /// Removes and widens the held spans whose window ended by `now` (all with `nil`).
        mutating func release(endedBy now: UInt64?, into released: inout [FinishedSpan]) {
            while heldStart < held.count, now.map({ held[heldStart].deadline <= $0 }) ?? true {
                var span = held[heldStart].span
                heldStart += 1
                widen(&span)
                released.append(span)
            }
            if heldStart == held.count {
                held.removeAll(keepingCapacity: true)
                heldStart = 0
            } else if heldStart > 1024, heldStart * 2 > held.count {
                held.removeFirst(heldStart)
                heldStart = 0
            }
        }
    }

    /// Starts the widening's thread.
    ///
    /// - Parameters:
    ///   - window: How long a 64-bit span of an unknown trace waits; 0 delivers at once
    ///     (widening only traces already known).
    ///   - capacity: The most spans held at once, at least 1.
    ///   - rememberedTraces: The most traces whose high half is remembered, at least 1.
    ///   - deliver: Where every span goes, widened or as it came: the forwarders' `report`.
    /// - Throws: ``/Dapper/ThreadStartError`` when the system refuses the thread.
    public init(
        window: Duration = .seconds(2), capacity: Int = 10_000, rememberedTraces: Int = 100_000,
        deliver: @escaping @Sendable (FinishedSpan) -> Void
    ) throws(ThreadStartError) {
        self.window = max(window, .zero)
        self.capacity = max(capacity, 1)
        self.rememberedTraces = max(rememberedTraces, 1)
        self.deliver = deliver
        state = State()
        try startThread(name: "dapper-widen") { [self] in run() }
    }

    /// Takes `span`: delivers it now (widened when its trace's high half is known, or as it
    /// came when the agent has never seen a 128-bit trace), or holds it for ``window``.
    public func submit(_ span: FinishedSpan) {
        var span = span
        var released: [FinishedSpan] = []
        lock.lock()
        if span.context.traceIDHigh != 0 {
            state.remember(low: span.context.traceID, high: span.context.traceIDHigh, limit: rememberedTraces)
        } else if state.highHalves[span.context.traceID] != nil {
            state.widen(&span)
        } else if !state.highHalves.isEmpty, !state.stopped, window > .zero {
            let wasEmpty = state.heldCount == 0
            state.held.append((monotonicNanos() + window.clampedNanos, span))
            if state.heldCount > capacity {
                var oldest = state.held[state.heldStart].span
                state.heldStart += 1
                state.widen(&oldest)
                released.append(oldest)
            }
            if wasEmpty { lock.signal() }
            lock.unlock()
            for held in released { deliver(held) }
            return
        }
        lock.unlock()
        deliver(span)
    }

    /// Delivers every held span now, widened where its trace is known: call it before
    /// flushing or closing the forwarders.
    public func drain() {
        var released: [FinishedSpan] = []
        lock.lock()
        state.release(endedBy: nil, into: &released)
        lock.unlock()
        for span in released { deliver(span) }
    }

    /// Drains, then stops the thread; spans submitted afterwards are delivered at once.
    public func stop() {
        lock.lock()
        state.stopped = true
        lock.signal()
        lock.unlock()
        drain()
    }

    /// 64-bit spans given their trace's high half so far.
    public var widenedCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return state.widened
    }

    /// Spans held right now.
    public var heldCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return state.heldCount
    }

    private func run() {
        var released: [FinishedSpan] = []
        lock.lock()
        while !state.stopped {
            state.release(endedBy: monotonicNanos(), into: &released)
            if !released.isEmpty {
                lock.unlock()
                for span in released { deliver(span) }
                released.removeAll(keepingCapacity: true)
                lock.lock()
                continue
            }
            lock.wait(untilNanos: state.heldCount == 0 ? nil : state.held[state.heldStart].deadline)
        }
        lock.unlock()
    }
}
