import ArgumentParser

@main
struct DapperCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dapper",
        abstract: "The Dapper tracer's command-line tool (the demo is `dapper-demo`).",
        subcommands: [AgentCommand.self]
    )
}
