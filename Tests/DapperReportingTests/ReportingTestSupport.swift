import Dapper
import DapperReporting

// Helpers of the pipeline's tests. Public API only, like the exporters these tests write: a
// third party could write the same.

/// A sampled span named `name` of `service`, with fixed IDs and times.
func testSpan(_ name: String, service: String) -> FinishedSpan {
    FinishedSpan(
        serviceName: service, operationName: name,
        context: SpanContext(traceID: 1, spanID: 2, flags: .sampled), startTimeNanos: 1, durationNanos: 1)
}

/// The default configuration with retries 1–4 ms apart, so that tests of retries run fast;
/// `change` adjusts it further.
func fastRetryConfiguration(_ change: (inout BatchingConfiguration) -> Void = { _ in }) -> BatchingConfiguration {
    var configuration = BatchingConfiguration()
    configuration.minimumRetryDelay = .milliseconds(1)
    configuration.maximumRetryDelay = .milliseconds(4)
    change(&configuration)
    return configuration
}

/// Polls `condition` until it holds or `timeout` passes; returns whether it held.
func eventually(timeout: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while !condition() {
        if ContinuousClock.now >= deadline { return false }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return true
}
