/// How reporters wait for their own threads in `flush` and `close`: poll a condition every
/// millisecond until it holds or a deadline passes.
///
/// The wait does not end early when the calling task is cancelled: a reporter closed during a
/// cancelled shutdown (a `ServiceGroup` that was cancelled, say) still gets its time to send
/// what is queued. A cancelled task's `Task.sleep` returns at once, so such a task sleeps in a
/// task of its own, which does not inherit the cancellation, instead of spinning.
package enum DeadlineWait {
    /// Returns when `isDone()` is true or at `deadline`, whichever comes first.
    package static func until(_ deadline: ContinuousClock.Instant, _ isDone: () -> Bool) async {
        while !isDone(), ContinuousClock.now < deadline {
            if Task.isCancelled {
                await Task { try? await Task.sleep(for: .milliseconds(1)) }.value
            } else {
                try? await Task.sleep(for: .milliseconds(1))
            }
        }
    }
}
