#if Zipkin  // a package trait, on by default (README, "Installation")
import Dapper
import DapperExporterSupport

extension ZipkinConfiguration: CustomStringConvertible, CustomDebugStringConvertible {
    /// ``endpoint`` with its user info replaced by `***` (and control characters escaped):
    /// the form every message, log line and description shows.
    public var redactedEndpoint: String { redacted(endpoint) }

    /// The configuration with its secrets hidden: the endpoint's user info and the headers'
    /// values show as `***`, so that printing or interpolating a configuration is safe.
    public var description: String {
        let headerList = headers.map { "\(TerminalEscaping.escaped($0.name)): ***" }.joined(separator: ", ")
        return "ZipkinConfiguration(endpoint: \(redactedEndpoint), encoding: \(encoding.rawValue), headers: [\(headerList)], "
            + "queueCapacity: \(queueCapacity), queueByteLimit: \(queueByteLimit), maximumBatchSpans: \(maximumBatchSpans), "
            + "maximumBatchBytes: \(maximumBatchBytes), flushInterval: \(GoDuration.format(flushInterval)), "
            + "requestTimeout: \(GoDuration.format(requestTimeout)), maximumAttempts: \(maximumAttempts), "
            + "minimumRetryDelay: \(GoDuration.format(minimumRetryDelay)), maximumRetryDelay: \(GoDuration.format(maximumRetryDelay)))"
    }

    /// The same as ``description``: secrets are hidden in debug output too.
    public var debugDescription: String { description }
}
#endif
