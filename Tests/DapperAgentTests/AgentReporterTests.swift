import Dapper
import DapperAgent
import DapperAgentTestSupport
import DapperCollector
import DapperTesting
import Foundation
import Testing

/// The agent reporter against real sockets: a real `AgentListener` (or a socket that never
/// reads) on the other side; no mocked network.
@Suite(.serialized) struct AgentReporterTests {
    static let networks: [AgentDSN.Network] = [.unixgram, .udp, .tcp]

    private func listenerDSN(_ network: AgentDSN.Network, directory: String) -> AgentDSN {
        switch network {
        case .unixgram: AgentDSN(network: .unixgram, address: directory + "/agent.sock")
        case .udp: AgentDSN(network: .udp, address: "127.0.0.1:0")
        case .tcp: AgentDSN(network: .tcp, address: "127.0.0.1:0")
        }
    }

    @Test(arguments: networks)
    func spansFromATracerArriveDecodedAndUnchanged(_ network: AgentDSN.Network) async throws {
        let directory = temporaryDirectory()
        let (listener, received) = try startListener(listenerDSN(network, directory: directory))
        defer { listener.stop() }
        let reporter = try AgentReporter(dsn: listener.dsn, configuration: quickConfiguration())
        let memory = InMemoryReporter()
        let tracer = DapperTracer(serviceName: "round-trip", reporter: TeeReporter(reporter, memory), sampler: AlwaysSampler())
        for index in 0..<200 {
            let root = tracer.new("request-\(index)")
            root.setTag("index", index)
            let child = root.fork("", "call-\(index)")
            child.setLog("event", "sent")
            child.finish()
            root.finish(error: index % 10 == 0 ? TestFailure() : nil)
        }
        let flushed = await reporter.flush(timeout: .seconds(5))
        #expect(flushed.isComplete, "\(flushed)")
        #expect(await received.waitFor(400))
        let sent = memory.spans
        let got = received.spans
        #expect(got.count == 400)
        // Flags and level do not travel in span.proto: compare what does.
        #expect(Set(got.map(WireFields.init)) == Set(sent.map(WireFields.init)))
        let result = await reporter.close()
        #expect(result.pending == 0)
        #expect(reporter.statistics.delivered == 400)
        #expect(reporter.statistics.totalDropped == 0)
        #expect(listener.statistics.totalRejected == 0)
    }

    /// Each span is packed where it is sent from; on a stream its length prefix is written
    /// after it, in room left from the encoder's bound, which is closed up when the length
    /// needs fewer bytes: sizes on both sides of one- and two-byte lengths.
    @Test(arguments: networks)
    func spansOfEverySizeArriveWhole(_ network: AgentDSN.Network) async throws {
        let directory = temporaryDirectory()
        let (listener, received) = try startListener(listenerDSN(network, directory: directory))
        defer { listener.stop() }
        let reporter = try AgentReporter(dsn: listener.dsn, configuration: quickConfiguration())
        let sizes = [0, 1, 20, 40, 50, 60, 70, 80, 100, 150, 300, 16_200, 16_300, 16_400, 20_000]
        let sent = sizes.enumerated().map { index, size in
            var span = sampleSpan(index)
            span.tags.append(SpanTag(key: "payload", value: .string(String(repeating: "p", count: size))))
            return span
        }
        for span in sent { reporter.report(span) }
        #expect(await received.waitFor(sent.count))
        #expect(Set(received.spans.map(WireFields.init)) == Set(sent.map(WireFields.init)))
        let result = await reporter.close()
        #expect(result.pending == 0)
        #expect(reporter.statistics.delivered == sent.count)
        #expect(reporter.statistics.totalDropped == 0)
    }

    @Test(arguments: networks)
    func noListenerAtStartIsCountedAsNotConnectedAndTheReporterRecovers(_ network: AgentDSN.Network) async throws {
        let directory = temporaryDirectory()
        // Find a free port, then release it, so that nothing listens there at first.
        var dsn = listenerDSN(network, directory: directory)
        if network != .unixgram {
            let probe = try AgentListener(dsn: dsn)
            dsn = probe.dsn
            probe.stop()
        }
        let reporter = try AgentReporter(dsn: dsn, configuration: quickConfiguration())
        // UDP learns of a missing listener from the ICMP refusal of an earlier datagram, so
        // keep sending until the refusal is seen.
        var index = 0
        #expect(await eventually {
            reporter.report(sampleSpan(index))
            index += 1
            return reporter.statistics.dropped[.notConnected, default: 0] > 0
        })
        #expect(reporter.status.lastError != nil)

        let (listener, received) = try startListener(dsn)
        defer { listener.stop() }
        // Keep reporting until spans get through: the reporter reconnects by itself.
        let recovered = await eventually {
            reporter.report(sampleSpan(index))
            index += 1
            return received.count > 0
        }
        #expect(recovered)
        _ = await reporter.close()
        let statistics = reporter.statistics
        #expect(statistics.reported == statistics.delivered + statistics.totalDropped)
    }

    @Test(arguments: networks)
    func aListenerRestartedMidStreamGetsSpansAgain(_ network: AgentDSN.Network) async throws {
        let directory = temporaryDirectory()
        var (listener, received) = try startListener(listenerDSN(network, directory: directory))
        let dsn = listener.dsn
        let reporter = try AgentReporter(dsn: dsn, configuration: quickConfiguration())
        for index in 0..<50 { reporter.report(sampleSpan(index)) }
        #expect(await received.waitFor(50))
        listener.stop()

        // Spans sent while nobody listens are lost, and counted.
        for index in 50..<100 { reporter.report(sampleSpan(index)) }
        _ = await reporter.flush(timeout: .seconds(2))

        (listener, received) = try startListener(dsn)
        defer { listener.stop() }
        var index = 100
        let recovered = await eventually {
            reporter.report(sampleSpan(index))
            index += 1
            return received.count > 0
        }
        #expect(recovered, "\(reporter.statistics) \(reporter.status)")
        _ = await reporter.close()
        let statistics = reporter.statistics
        #expect(statistics.reported == statistics.delivered + statistics.totalDropped)
        if network != .udp {
            // UDP cannot tell a datagram was lost until the next send reports the refusal.
            #expect(statistics.totalDropped > 0)
            #expect(reporter.status.connections >= 2)
        }
    }

    @Test func aReaderThatStopsReadingFillsTheQueueWithoutBlockingTheCaller() async throws {
        let directory = temporaryDirectory()
        let path = directory + "/stalled.sock"
        let stalled = try StalledUnixReader(path: path)
        var configuration = quickConfiguration(queueCapacity: 256)
        configuration.maximumBatchSize = 32
        let reporter = try AgentReporter(
            dsn: AgentDSN(network: .unixgram, address: path, timeout: .milliseconds(50)), configuration: configuration)
        var slowest: Duration = .zero
        let clock = ContinuousClock()
        for index in 0..<20_000 {
            let span = sampleSpan(index)
            let elapsed = clock.measure { reporter.report(span) }
            slowest = max(slowest, elapsed)
        }
        let statistics = reporter.statistics
        #expect(statistics.reported == 20_000)
        #expect(statistics.dropped[.queueFull, default: 0] > 0)
        // The write timeout is 50 ms; a caller that waited for the writer would see it.
        #expect(slowest < .milliseconds(40), "slowest report() took \(slowest)")
        #expect(await eventually { reporter.statistics.dropped[.writeError, default: 0] > 0 })
        _ = await reporter.close(timeout: .milliseconds(200))
        withExtendedLifetime(stalled) {}
    }

    @Test func closeWithAFullQueueReturnsByTheDeadlineAndAccountsForEverySpan() async throws {
        let directory = temporaryDirectory()
        let path = directory + "/stalled.sock"
        let stalled = try StalledUnixReader(path: path)
        var configuration = quickConfiguration(queueCapacity: 512)
        configuration.maximumBatchSize = 16
        let reporter = try AgentReporter(
            dsn: AgentDSN(network: .unixgram, address: path, timeout: .milliseconds(100)), configuration: configuration)
        for index in 0..<5_000 { reporter.report(sampleSpan(index)) }
        let started = ContinuousClock.now
        let result = await reporter.close(timeout: .milliseconds(300))
        let took = ContinuousClock.now - started
        #expect(took < .seconds(2), "close took \(took)")
        #expect(result.dropped > 0)
        // Later spans are refused as closed.
        reporter.report(sampleSpan(0))
        #expect(await eventually {
            let statistics = reporter.statistics
            return statistics.reported == statistics.delivered + statistics.totalDropped
        })
        #expect(reporter.statistics.dropped[.closed, default: 0] > 0)
        withExtendedLifetime(stalled) {}
    }

    /// A `ServiceGroup` that is cancelled closes its tracer in a cancelled task: the queued
    /// spans must still be sent.
    @Test func closeFromACancelledTaskStillSendsWhatIsQueued() async throws {
        let directory = temporaryDirectory()
        let (listener, received) = try startListener(AgentDSN(network: .unixgram, address: directory + "/cancelled.sock"))
        defer { listener.stop() }
        let reporter = try AgentReporter(dsn: listener.dsn, configuration: quickConfiguration())
        for index in 0..<500 { reporter.report(sampleSpan(index)) }
        let result = await Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return await reporter.close(timeout: .seconds(5))
        }.value
        #expect(result.dropped == 0 && result.pending == 0, "\(result)")
        #expect(await received.waitFor(500))
        #expect(reporter.statistics.delivered == 500)
    }

    @Test func anOversizeSpanIsShrunkAndCountedAsTruncated() async throws {
        let directory = temporaryDirectory()
        let (listener, received) = try startListener(AgentDSN(network: .unixgram, address: directory + "/big.sock"))
        defer { listener.stop() }
        let reporter = try AgentReporter(dsn: listener.dsn, configuration: quickConfiguration())
        var span = sampleSpan(1)
        for index in 0..<200 {
            span.logs.append(SpanLog(timestampNanos: Int64(index), fields: [SpanLogField(key: "line", value: String(repeating: "x", count: 400))]))
        }
        reporter.report(span)
        var hopeless = sampleSpan(2)
        hopeless.operationName = String(repeating: "o", count: 40_000)
        reporter.report(hopeless)
        #expect(await received.waitFor(1))
        _ = await reporter.close()
        let got = try #require(received.spans.first)
        #expect(got.tag("trace.error") == .string("span truncated"))
        #expect(got.logs.count < span.logs.count)
        #expect(reporter.statistics.truncated == 1)
        #expect(reporter.statistics.dropped[.oversize] == 1)
    }

    @Test func spansReportedAfterCloseAreCountedAsClosed() async throws {
        let reporter = try AgentReporter(
            dsn: AgentDSN(network: .unixgram, address: temporaryDirectory() + "/none.sock"), configuration: quickConfiguration())
        _ = await reporter.close()
        reporter.report(sampleSpan(0))
        #expect(reporter.statistics.dropped[.closed] == 1)
    }

    /// What `AgentReporter.init` throws for the default configuration changed by `change`.
    private func creationError(_ change: (inout AgentReporter.Configuration) -> Void) -> String? {
        var configuration = AgentReporter.Configuration()
        change(&configuration)
        let dsn = AgentDSN(network: .unixgram, address: temporaryDirectory() + "/none.sock")
        do {
            _ = try AgentReporter(dsn: dsn, configuration: configuration)
            return nil
        } catch {
            guard case .invalidConfiguration = error else { return "not an invalid configuration: \(error)" }
            return "\(error)"
        }
    }

    @Test func aConfigurationValueOutOfRangeIsATypedErrorNamingItAndItsRange() {
        #expect(creationError { $0.queueCapacity = 0 } == "queueCapacity must be between 1 and 1000000, got 0")
        #expect(creationError { $0.queueCapacity = 100_000_000_000 } == "queueCapacity must be between 1 and 1000000, got 100000000000")
        #expect(creationError { $0.maximumBatchSize = 0 } == "maximumBatchSize must be between 1 and 1024, got 0")
        #expect(creationError { $0.maximumBatchSize = 5000 } == "maximumBatchSize must be between 1 and 1024, got 5000")
        #expect(creationError { $0.maximumSpanSize = 100 } == "maximumSpanSize must be between 256 and 65507, got 100")
        #expect(creationError { $0.maximumSpanSize = 1 << 20 } == "maximumSpanSize must be between 256 and 65507, got 1048576")
        #expect(creationError { $0.minimumReconnectDelay = .zero } == "minimumReconnectDelay must be between 1ns and 3600s, got 0s")
        #expect(creationError { $0.maximumReconnectDelay = .seconds(Int64.max) }
            == "maximumReconnectDelay must be between 100ms and 3600s, got 9223372036854775807s")
    }

    @Test func aDSNTimeoutOfCenturiesSetInCodeIsATypedErrorNotATrap() {
        let dsn = AgentDSN(network: .udp, address: "127.0.0.1:9", timeout: .seconds(Int64.max))
        #expect(throws: AgentReporterError.invalidConfiguration(
            name: "timeout (of the DSN)", value: "9223372036854775807s", allowed: "between 1ns and 3600s")) {
            try AgentReporter(dsn: dsn)
        }
    }
}

/// Reporter options that retry quickly, so that fault tests finish fast.
func quickConfiguration(queueCapacity: Int = 4096) -> AgentReporter.Configuration {
    var configuration = AgentReporter.Configuration()
    configuration.queueCapacity = queueCapacity
    configuration.minimumReconnectDelay = .milliseconds(20)
    configuration.maximumReconnectDelay = .milliseconds(200)
    return configuration
}


/// What span.proto carries of a span (not the flags' sampled bit or the level).
struct WireFields: Hashable {
    var service, operation: String
    var traceID, spanID, parentID: UInt64
    var start, duration: Int64
    var tags: [SpanTag]
    var logs: [SpanLog]

    init(_ span: FinishedSpan) {
        service = span.serviceName
        operation = span.operationName
        traceID = span.context.traceID
        spanID = span.context.spanID
        parentID = span.context.parentID
        start = span.startTimeNanos
        duration = span.durationNanos
        tags = Array(span.tags)
        logs = span.logs
    }
}

struct TestFailure: Error {}

/// Reports to two reporters.
struct TeeReporter: Reporter {
    let first: any Reporter
    let second: any Reporter
    init(_ first: any Reporter, _ second: any Reporter) {
        self.first = first
        self.second = second
    }
    func report(_ span: FinishedSpan) {
        first.report(span)
        second.report(span)
    }
    func flush(timeout: Duration) async -> FlushResult { await first.flush(timeout: timeout) }
    func close(timeout: Duration) async -> FlushResult { await first.close(timeout: timeout) }
    var statistics: ReporterStatistics { first.statistics }
}
