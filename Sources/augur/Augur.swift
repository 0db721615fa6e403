import ArgumentParser

/// The one Augur executable: each part of the system is a subcommand.
@main
struct Augur: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "augur",
        abstract: "A predictive, elastic CDN control plane.",
        subcommands: [ReplayCommand.self, ServeCommand.self, StatusCommand.self, CheckCommand.self, DNSCommand.self, EdgeCommand.self, ForecastCommand.self, ContentCommand.self, ImageCommand.self, TestbedCommand.self, UsersCommand.self, TokenCommand.self]
    )
}
