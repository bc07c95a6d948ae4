#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// libFuzzer targets. Built with `-sanitize=fuzzer -DDAPPER_FUZZING` (see Scripts/fuzz), the
// entry point is `FuzzerDriver`, which hands control to libFuzzer's driver; built plainly, it
// is `ReplayInputs`, which replays the files it is given (a crash artifact, say) through the
// same checks. The environment variable `DAPPER_FUZZ_TARGET` picks the target: `context` (the
// default) or `decoder`.

private let targetName = getenv("DAPPER_FUZZ_TARGET").map { String(cString: $0) } ?? "context"

/// Runs the target named by `DAPPER_FUZZ_TARGET` on one input.
func fuzzTarget(_ bytes: UnsafeBufferPointer<UInt8>) {
    if targetName == "decoder" { checkSpanDecoder(bytes) } else { checkContextParser(bytes) }
}
