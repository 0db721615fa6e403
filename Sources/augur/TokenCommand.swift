import ArgumentParser
import AugurModel
import Foundation

/// `augur token`: creates the bearer token files the configuration names (the topology's
/// `token_file` and each node's `operator.token_file`) where they do not exist yet, and
/// prints their paths. An installer runs it as the user of the control plane, so that the
/// files are that user's from the start, whichever service starts first.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Create the bearer token files of the configuration where missing (mode 0600) and print their paths."
    )

    @OptionGroup var config: ConfigurationOptions

    func run() throws {
        for path in try paths() { print(path) }
    }

    /// Every token file of the configuration, each loaded (created when missing), in order.
    func paths() throws -> [String] {
        let topology = try config.load().topology
        var paths: [String] = []
        for path in [topology.tokenFile] + topology.nodes.map(\.operatorSettings.tokenFile) where !paths.contains(path) {
            _ = try OperatorToken.load(path)
            paths.append(path)
        }
        return paths
    }
}
