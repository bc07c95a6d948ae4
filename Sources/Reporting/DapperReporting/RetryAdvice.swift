/// Whether a failed export may be tried again.
public enum RetryAdvice: Sendable, Hashable {
    /// Trying again cannot help (the destination rejected the spans, the spans cannot be
    /// encoded), or the exporter's destination must not see them twice: drop them now.
    case never
    /// Try again after the pipeline's backoff (``BatchingConfiguration/minimumRetryDelay``,
    /// doubling up to ``BatchingConfiguration/maximumRetryDelay``).
    case afterBackoff
    /// Try again after the given wait (an HTTP `Retry-After`), capped by
    /// ``BatchingConfiguration/maximumRetryDelay``.
    case after(Duration)
}
