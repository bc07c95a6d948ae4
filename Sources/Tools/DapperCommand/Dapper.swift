import ArgumentParser

@main
struct DapperCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dapper",
        abstract: "The Dapper tracer's command-line tool (the demo: `bash Scripts/demo`, in the repository).",
        subcommands: [AgentCommand.self]
    )
}
