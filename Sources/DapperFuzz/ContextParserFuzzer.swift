import Dapper
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// libFuzzer target for the span context parser. Built with `-sanitize=fuzzer
// -DDAPPER_FUZZING` (see Scripts/fuzz), `main` hands control to libFuzzer's driver; built
// plainly, it replays the files it is given (a crash artifact, say) through the same checks.
// Invariants checked on every input: parsing never crashes; what parses formats to text that
// parses to the same fields.

func checkContextParser(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard let context = try? SpanContext(parsing: bytes) else { return }
    let text = context.description
    guard let again = try? SpanContext(parsing: text) else {
        fatalError("formatted context \(text) does not parse")
    }
    if again.traceID != context.traceID || again.spanID != context.spanID
        || again.parentID != context.parentID || again.flags != context.flags
    {
        fatalError("context \(text) does not round-trip")
    }
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
            checkContextParser(UnsafeBufferPointer(start: data, count: size))
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
            bytes.withUnsafeBufferPointer { checkContextParser($0) }
            print("ok \(path)")
        }
    }
}
#endif
