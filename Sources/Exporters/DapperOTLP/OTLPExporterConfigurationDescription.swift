#if OTLPHTTP || OTLPGRPC  // package traits, on by default (README, "Installation")
import Dapper

extension OTLPExporterConfiguration: CustomStringConvertible, CustomDebugStringConvertible {
    /// The configuration with its secrets hidden: the endpoint's user info and the headers'
    /// values show as `***`, so that printing or interpolating a configuration is safe.
    public var description: String {
        let headerList = headers.map(\.description).joined(separator: ", ")
        let attributeList = resourceAttributes.map { "\(TerminalEscaping.escaped($0.key))=\(TerminalEscaping.escaped($0.value))" }
            .joined(separator: ", ")
        return "OTLPExporterConfiguration(endpoint: \(redactedEndpoint), protocol: \(self.protocol), headers: [\(headerList)], "
            + "compression: \(compression), timeout: \(GoDuration.format(timeout)), "
            + "serviceName: \(TerminalEscaping.escaped(serviceName)), resourceAttributes: [\(attributeList)], "
            + "maximumRequestBytes: \(maximumRequestBytes))"
    }

    /// The same as ``description``: secrets are hidden in debug output too.
    public var debugDescription: String { description }
}
#endif
