#if Command  // a package trait, on by default (README, "Installation")
import ArgumentParser

@main
struct DapperCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dapper",
        abstract: "The Dapper tracer's command-line tool (the demo: `bash Scripts/demo`, in the repository).",
        subcommands: [AgentCommand.self]
    )
}
#else
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// Without the trait the package fetches neither swift-argument-parser nor AsyncHTTPClient, and
// an executable target still needs an entry point: this one says how to get the real tool.
@main
enum DapperCommand {
    static func main() {
        fputs("dapper: built without the package trait \"Command\"; build with `--traits Command`\n", stderr)
        exit(64)
    }
}
#endif
