import Synchronization

/// What a span logs for an error behind `any Error`: its description (the `message` field)
/// and, for a ``StackTraceCarryingError``, its stack trace (the `stack` field).
///
/// Describing an existential error takes dynamic casts through the runtime's conformance
/// cache, several hundred instructions each: `String(describing:)` alone tries
/// `TextOutputStreamable`, then `CustomStringConvertible`, and the stack needs one more. Most
/// services throw a handful of error types, over and over, so the last type found to need no
/// more than its `description` is remembered and skips the two casts that would fail.
@usableFromInline
package enum ErrorDescription {
    /// The type of the last error found to be `CustomStringConvertible`, not
    /// `TextOutputStreamable` and not a ``StackTraceCarryingError`` (a type's conformances do
    /// not change while the process runs); 0 for none.
    private static let plainType = Atomic<UInt>(0)

    /// The message and stack of `error`, as ``Trace/finish(error:)`` logs them; the same text
    /// as `String(describing: error)`.
    @usableFromInline
    package static func describe(_ error: any Error) -> (message: String, stack: String?) {
        let type = UInt(bitPattern: ObjectIdentifier(Swift.type(of: error)))
        if plainType.load(ordering: .relaxed) == type, let describable = error as? any CustomStringConvertible {
            return (describable.description, nil)
        }
        // A wrapper that only carries an error on (Hummingbird's answer with the trace header)
        // is described as the error it carries, stack included.
        if let wrapper = error as? any WrappingError { return describe(wrapper.underlying) }
        let described = unwrapped(error)
        if described.stack == nil, !(error is any TextOutputStreamable), error is any CustomStringConvertible {
            plainType.store(type, ordering: .relaxed)
        }
        return described
    }

    /// The message and stack of an error whose type is known where this is specialised, so
    /// that its casts are resolved at compile time; the same answer as ``describe(_:)``.
    @inlinable
    package static func describe<Failure: Error>(concrete error: Failure) -> (message: String, stack: String?) {
        if let wrapper = error as? any WrappingError { return describe(wrapper.underlying) }
        return unwrapped(error)
    }

    /// `String(describing:)`'s text, which prefers `TextOutputStreamable`, then
    /// `CustomStringConvertible`, with the stack of a ``StackTraceCarryingError``.
    @inlinable
    package static func unwrapped<Failure: Error>(_ error: Failure) -> (message: String, stack: String?) {
        let stack = (error as? any StackTraceCarryingError)?.stackTrace
        if !(error is any TextOutputStreamable), let describable = error as? any CustomStringConvertible {
            return (describable.description, stack)
        }
        return (String(describing: error), stack)
    }
}
