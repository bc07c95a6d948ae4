import Dapper

/// Why a ``BatchingReporter`` could not be made.
public enum BatchingReporterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A value of ``BatchingConfiguration`` is outside its allowed range: `name` is the
    /// property, `allowed` the range in words, `value` what was given.
    case invalidConfiguration(name: String, value: String, allowed: String)
    /// The export thread could not be started: the process is out of threads or memory.
    case cannotStartThread(ThreadStartError)

    public var description: String {
        switch self {
        case .invalidConfiguration(let name, let value, let allowed): "\(name) must be \(allowed), got \(value)"
        case .cannotStartThread(let error): "the reporter \(error)"
        }
    }
}
