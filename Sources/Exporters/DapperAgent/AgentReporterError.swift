import Dapper

/// Why an ``AgentReporter`` could not be made.
public enum AgentReporterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A value of ``AgentReporter/Configuration`` or of the DSN is outside its allowed range:
    /// `name` is the property, `allowed` the range in words, `value` what was given.
    case invalidConfiguration(name: String, value: String, allowed: String)
    /// The DSN in `TRACE` is malformed (from ``AgentReporter/fromEnvironment(configuration:)``).
    case invalidDSN(AgentDSNError)
    /// The writer thread could not be started: the process is out of threads or memory.
    case cannotStartThread(ThreadStartError)

    public var description: String {
        switch self {
        case .invalidConfiguration(let name, let value, let allowed): "\(name) must be \(allowed), got \(value)"
        case .invalidDSN(let error): "invalid DSN: \(error)"
        case .cannotStartThread(let error): "the agent reporter \(error)"
        }
    }
}
