import ArgumentParser

@main
struct DapperCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dapper",
        abstract: "The Dapper tracer's command-line tool.",
        subcommands: [DemoCommand.self, AgentCommand.self],
        defaultSubcommand: DemoCommand.self
    )
}
