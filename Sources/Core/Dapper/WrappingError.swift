/// An error that carries another one on unchanged (adding, say, a response header), which
/// spans describe as the error it carries: its message and its stack.
@usableFromInline
package protocol WrappingError: Error {
    /// The error carried.
    var underlying: any Error { get }
}
