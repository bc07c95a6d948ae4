/// An error that carries a stack trace: ``Trace/finish(error:)`` logs it as `stack`.
public protocol StackTraceCarryingError: Error {
    /// The stack trace, as text.
    var stackTrace: String { get }
}
