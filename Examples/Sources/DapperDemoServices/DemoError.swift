/// Why the demo could not run.
public enum DemoError: Error, CustomStringConvertible {
    /// A service did not report its listening port.
    case serverDidNotStart(String)

    public var description: String {
        switch self {
        case .serverDidNotStart(let name): "the \(name) service did not start listening"
        }
    }
}
