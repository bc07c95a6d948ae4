import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The demo's Hummingbird applications, on ephemeral ports of 127.0.0.1, run as one
/// swift-service-lifecycle group.
final class ApplicationGroup: Sendable {
    private let logger: Logger
    private let applications = LockedApplications()

    init(logger: Logger) { self.logger = logger }

    /// Starts `router` as an application named `name` in a task of its own, and returns its
    /// port once it listens. The application is stopped with the others by ``stop()``.
    func start(_ name: String, _ router: Router<BasicRequestContext>) async throws -> Int {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let application = Application(
            router: router,
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0), serverName: name),
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            },
            logger: logger
        )
        let group = ServiceGroup(services: [application], gracefulShutdownSignals: [], logger: logger)
        applications.add(group)
        let task = Task { try await group.run() }
        applications.add(task)
        for await port in ports where port > 0 { return port }
        throw DemoError.serverDidNotStart(name)
    }

    /// Waits for every application to stop.
    func run() async throws {
        for task in applications.tasks { try await task.value }
    }

    /// Stops every application gracefully.
    func stop() async {
        for group in applications.groups { await group.triggerGracefulShutdown() }
    }
}
