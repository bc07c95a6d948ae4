import Dapper
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// libFuzzer targets. Built with `-sanitize=fuzzer -DDAPPER_FUZZING` (see Scripts/fuzz),
// `main` hands control to libFuzzer's driver; built plainly, it replays the files it is given
// (a crash artifact, say) through the same checks. The environment variable
// `DAPPER_FUZZ_TARGET` picks the target: `context` (the default) or `decoder`.

private let targetName = getenv("DAPPER_FUZZ_TARGET").map { String(cString: $0) } ?? "context"

/// Runs the target named by `DAPPER_FUZZ_TARGET` on one input.
func fuzzTarget(_ bytes: UnsafeBufferPointer<UInt8>) {
    if targetName == "decoder" { checkSpanDecoder(bytes) } else { checkContextParser(bytes) }
}

#if DAPPER_FUZZING
@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

@main
struct Fuzz {
    static func main() {
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        let status = runFuzzerDriver(&argc, &argv) { data, size in
            fuzzTarget(UnsafeBufferPointer(start: data, count: size))
            return 0
        }
        exit(status)
    }
}
#else
@main
struct ReplayInputs {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let file = fopen(path, "rb") else {
                print("cannot open \(path)")
                continue
            }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = fread(&buffer, 1, buffer.count, file)
                if count <= 0 { break }
                bytes.append(contentsOf: buffer[0..<count])
            }
            fclose(file)
            bytes.withUnsafeBufferPointer { fuzzTarget($0) }
            print("ok \(path)")
        }
    }
}
#endif
