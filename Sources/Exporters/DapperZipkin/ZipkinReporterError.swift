#if Zipkin  // a package trait, on by default (README, "Installation")
import Dapper

/// Why a ``ZipkinReporter`` could not be made.
public enum ZipkinReporterError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The configuration is not usable: a value out of range, a malformed endpoint or header.
    case invalidConfiguration(ZipkinConfigurationError)
    /// The sending thread could not be started: the process is out of threads or memory.
    case cannotStartThread(ThreadStartError)

    public var description: String {
        switch self {
        case .invalidConfiguration(let error): "invalid Zipkin configuration: \(error)"
        case .cannotStartThread(let error): "the Zipkin reporter \(error)"
        }
    }
}
#endif
