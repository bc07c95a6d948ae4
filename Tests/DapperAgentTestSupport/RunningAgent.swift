import Foundation

/// A test's set-up that could not be done (no executable, no socket): the test fails with it.
package struct TestSetupError: Error, CustomStringConvertible {
    package let description: String

    package init(description: String) { self.description = description }

    /// Throws unless `condition` holds.
    static func check(_ condition: Bool, _ description: @autoclosure () -> String) throws(TestSetupError) {
        if !condition { throw TestSetupError(description: description()) }
    }
}

/// A `dapper agent` process for a test: the built executable, its standard error collected,
/// its standard output collected, closed or never read. It is stopped on every path: use
/// ``withRunningAgent(_:standardOutput:prelude:_:)``, or call ``kill()`` in a `defer`; and
/// it runs with `DAPPER_EXIT_WITH_PARENT=1`, so that it exits even when the test process dies.
package final class RunningAgent: @unchecked Sendable {
    // @unchecked: `lines`, `errors`, `partial` and `errorsEnded` are only touched under `lock`; `process`
    // and the pipes are set up in init and only read afterwards.

    /// What the agent's standard output is connected to.
    package enum StandardOutput {
        /// A pipe the test reads, line by line.
        case collected
        /// A pipe whose reading end the test closes at once.
        case closed
        /// A pipe nobody reads: the agent's writes block once it is full.
        case stalled
    }

    /// The `dapper` executable built beside the test bundle.
    package static let executable: URL? = {
        let directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [directory, directory.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent("dapper")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        return nil
    }()

    package let process = Process()
    private let outputPipe = Pipe()
    private let errorPipe = Pipe()
    private let lock = NSLock()
    private var lines: [String] = []
    private var errors = ""
    private var partial = ""
    private var errorsEnded = false

    /// Starts `dapper agent arguments…`; `prelude` is shell code run first in the same
    /// process (e.g. `umask 000`), which then becomes the agent with `exec`; `environment`
    /// adds to (or replaces in) this process's variables.
    package init(
        _ arguments: [String], standardOutput: StandardOutput = .collected, prelude: String? = nil,
        environment extraEnvironment: [String: String] = [:]
    ) throws {
        guard let executable = Self.executable else {
            throw TestSetupError(description: "the dapper executable is not built beside the tests")
        }
        if let prelude {
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", prelude + "; exec \"$0\" \"$@\"", executable.path, "agent"] + arguments
        } else {
            process.executableURL = executable
            process.arguments = ["agent"] + arguments
        }
        var environment = ProcessInfo.processInfo.environment
        environment["DAPPER_EXIT_WITH_PARENT"] = "1"
        environment.merge(extraEnvironment) { $1 }
        process.environment = environment
        process.standardOutput = outputPipe
        process.standardError = errorPipe
        if standardOutput == .collected {
            outputPipe.fileHandleForReading.readabilityHandler = { [self] handle in
                let text = String(decoding: handle.availableData, as: UTF8.self)
                lock.withLock {
                    partial += text
                    while let newline = partial.firstIndex(of: "\n") {
                        lines.append(String(partial[..<newline]))
                        partial = String(partial[partial.index(after: newline)...])
                    }
                }
            }
        }
        errorPipe.fileHandleForReading.readabilityHandler = { [self] handle in
            let data = handle.availableData
            if data.isEmpty {
                // The agent closed standard error: it has exited, and every line is here.
                handle.readabilityHandler = nil
                lock.withLock { errorsEnded = true }
                return
            }
            let text = String(decoding: data, as: UTF8.self)
            lock.withLock { errors += text }
        }
        try process.run()
        if standardOutput == .closed { try outputPipe.fileHandleForReading.close() }
    }

    package var output: [String] { lock.withLock { lines } }
    package var standardError: String { lock.withLock { errors } }
    package var pid: Int32 { process.processIdentifier }

    /// Waits until the agent says it listens.
    package func listening() async -> Bool {
        await eventually(timeout: .seconds(20)) { standardError.contains("listening on") || !process.isRunning }
            && process.isRunning
    }

    /// Waits up to `timeout` for the process to exit; returns whether it did. A liveness
    /// bound, not a measurement.
    package func waitForExit(timeout: Duration = .seconds(20)) async -> Bool {
        await eventually(timeout: timeout) { !process.isRunning }
    }

    /// SIGINT, as Ctrl-C; then waits for the exit (bounded), makes sure of it, and waits
    /// for the rest of standard error (the agent's closing lines).
    package func interrupt() async {
        if process.isRunning { process.interrupt() }
        _ = await waitForExit()
        kill()
        _ = await eventually(timeout: .seconds(5)) { lock.withLock { errorsEnded } }
    }

    /// Ends the process on any path: SIGTERM, up to 1 s, then SIGKILL; reaps it. It blocks
    /// (it runs in `defer`), so briefly: a blocked thread of Swift's small cooperative pool
    /// holds up every other test's tasks. Tests that stop the agent on purpose do it with
    /// ``interrupt()``, which waits without blocking, and this then finds it gone.
    package func kill() {
        if process.isRunning {
            process.terminate()
            let deadline = Date().addingTimeInterval(1)
            while process.isRunning, Date() < deadline { usleep(5_000) }
            if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
        }
        process.waitUntilExit()
    }
}

/// Runs `body` with a started agent, and stops the agent whatever `body` does, throwing
/// included.
package func withRunningAgent<Result>(
    _ arguments: [String], standardOutput: RunningAgent.StandardOutput = .collected, prelude: String? = nil,
    environment: [String: String] = [:], _ body: (RunningAgent) async throws -> Result
) async throws -> Result {
    let agent = try RunningAgent(arguments, standardOutput: standardOutput, prelude: prelude, environment: environment)
    defer { agent.kill() }
    return try await body(agent)
}

/// A free loopback UDP or TCP port, as `127.0.0.1:port`.
package func freeLoopbackAddress(tcp: Bool = false) throws -> String {
    let descriptor = socket(AF_INET, Int32(tcp ? SOCK_STREAM.rawValue : SOCK_DGRAM.rawValue), 0)
    try TestSetupError.check(descriptor >= 0, "socket: \(String(cString: strerror(errno)))")
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
        }
    }
    try TestSetupError.check(bound, "bind: \(String(cString: strerror(errno)))")
    return "127.0.0.1:\(UInt16(bigEndian: address.sin_port))"
}

/// A `unixgram` socket connected to `path`, whose sends wait rather than drop.
package final class UnixDatagramSender {
    package let descriptor: Int32

    package init(_ path: String) throws {
        descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        try TestSetupError.check(descriptor >= 0, "socket: \(String(cString: strerror(errno)))")
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            let bytes = Array(path.utf8)
            raw.copyBytes(from: bytes.prefix(raw.count - 1))
        }
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try TestSetupError.check(status == 0, "connect to \(path): \(String(cString: strerror(errno)))")
    }

    // The one close, after a failed init too: closing a number twice could end a descriptor
    // that another test has been given since.
    deinit { close(descriptor) }

    package func send(_ bytes: [UInt8]) throws {
        let sent = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, 0) }
        try TestSetupError.check(sent == bytes.count, "send: \(sent) of \(bytes.count) bytes")
    }
}

/// The first integer after `prefix` in `text`, e.g. 5 for `printed ` in "printed 5 lines".
package func number(after prefix: String, in text: String) -> Int? {
    guard let range = text.range(of: prefix) else { return nil }
    return Int(text[range.upperBound...].prefix { $0.isNumber })
}
