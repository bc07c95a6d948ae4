import Dapper
import DapperTesting
import DapperTracing
import Logging
import ServiceLifecycle
import ServiceLifecycleTestKit
import Synchronization
import Testing
import Tracing

/// A log handler that keeps what it is given, with the provider's metadata merged in.
final class CapturingLogHandler: LogHandler, Sendable {
    let lines = Mutex<[Logger.Metadata]>([])
    let metadataProvider: Logger.MetadataProvider?

    init(metadataProvider: Logger.MetadataProvider?) { self.metadataProvider = metadataProvider }

    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }
    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    func log(event: LogEvent) {
        let provided = metadataProvider?.get() ?? [:]
        lines.withLock { $0.append(provided.merging(event.metadata ?? [:]) { $1 }) }
    }
}

@Suite struct LoggingAndServiceTests {
    @Test func logLinesInsideASpanCarryItsTraceAndSpanIDs() throws {
        let (tracer, reporter) = makeBridge()
        let handler = CapturingLogHandler(metadataProvider: .dapper)
        let logger = Logger(label: "test") { _ in handler }
        logger.info("before")
        tracer.withSpan("handler", context: .topLevel, ofKind: .server) { _ in
            logger.info("inside")
            tracer.withSpan("child") { _ in logger.info("nested") }
        }
        let lines = handler.lines.withLock { $0 }
        let server = try #require(reporter.spans.first { $0.operationName == "handler" })
        let child = try #require(reporter.spans.first { $0.operationName == "child" })
        func hex(_ value: UInt64) -> Logger.Metadata.Value {
            .string(String(repeating: "0", count: 16 - String(value, radix: 16).count) + String(value, radix: 16))
        }
        #expect(lines[0].isEmpty)
        #expect(lines[1] == ["trace_id": hex(server.context.traceID), "span_id": hex(server.context.spanID)])
        #expect(lines[2] == ["trace_id": hex(server.context.traceID), "span_id": hex(child.context.spanID)])
    }

    @Test func theMetadataKeysCanBeRenamed() {
        let (tracer, _) = makeBridge()
        let provider = Logger.MetadataProvider.dapper(traceIDKey: "traceId", spanIDKey: "spanId")
        tracer.withSpan("handler", context: .topLevel) { _ in
            #expect(Set(provider.get().keys) == ["traceId", "spanId"])
        }
    }

    @Test func theServiceClosesTheTracerOnGracefulShutdown() async throws {
        let (bridge, reporter) = makeBridge()
        bridge.withSpan("queued", context: .topLevel) { _ in }
        let service = DapperTracerService(tracer: bridge.tracer, logger: Logger(label: "test"))
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await service.run() }
                #expect(!reporter.isClosed)
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
        #expect(reporter.isClosed)
        #expect(reporter.spans.count == 1)
    }

    @Test func theServiceClosesEveryTracerItIsGiven() async throws {
        let (first, firstReporter) = makeBridge(service: "gateway")
        let (second, secondReporter) = makeBridge(service: "order")
        let service = DapperTracerService(tracers: [first.tracer, second.tracer], logger: Logger(label: "test"))
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await service.run() }
                trigger.triggerGracefulShutdown()
                try await group.waitForAll()
            }
        }
        #expect(firstReporter.isClosed && secondReporter.isClosed)
    }
}
