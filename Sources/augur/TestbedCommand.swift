import ArgumentParser
import AugurModel
import Foundation
import Logging
import TestbedNetwork

/// `augur testbed`: turns a topology into network namespaces joined by shaped veth links
/// (`Scripts/testbed-up` runs it, then starts each node's daemons inside its namespace).
struct TestbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "testbed",
        abstract: "Build, reshape, describe or remove a topology's network-namespace testbed (needs root).",
        subcommands: [Up.self, Down.self, Shape.self, Show.self]
    )

    /// What every testbed subcommand needs to know which testbed it means.
    struct Options: ParsableArguments {
        @OptionGroup var config: ConfigurationOptions
        @OptionGroup var logging: LoggingOptions

        @Option(help: "The namespaces' name prefix: NAME-core, NAME-edge-1, NAME-clients.")
        var prefix: String = "augur"

        func network() throws -> TestbedNetwork {
            logging.bootstrap()
            let plan = try TestbedPlan(topology: config.load().topology, prefix: prefix)
            return TestbedNetwork(plan: plan, logger: Logger(label: "augur.testbed"))
        }
    }

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Build the namespaces, links, addresses and routes (after removing an older one).")
        @OptionGroup var options: Options
        @Option(help: "Shape the edge ↔ core links to this rate instead of the topology's (e.g. 10Mbps).")
        var edgeBandwidth: String?

        func run() async throws {
            let network = try options.network()
            try await network.up()
            if let edgeBandwidth { try await network.shape(edgeBitsPerSecond: try TestbedCommand.rate(edgeBandwidth)) }
        }
    }

    struct Down: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove the namespaces and their links.")
        @OptionGroup var options: Options
        func run() async throws { try await options.network().down() }
    }

    struct Shape: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Reshape the edge ↔ core links (default: the topology's rates).")
        @OptionGroup var options: Options
        @Option(help: "The edge ↔ core rate, e.g. 10Mbps.")
        var edgeBandwidth: String?

        func run() async throws {
            try await options.network().shape(edgeBitsPerSecond: try edgeBandwidth.map(TestbedCommand.rate))
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print each node's namespace and the client agent's address, for scripts.")
        @OptionGroup var options: Options

        func run() throws {
            let topology = try options.config.load().topology
            let plan = try TestbedPlan(topology: topology, prefix: options.prefix)
            var lines = ["core \(plan.namespace(topology.core.name))"]
            lines += topology.edges.map { "edge \($0.name) \(plan.namespace($0.name))" }
            lines.append("clients \(plan.namespace(TestbedPlan.clientNode)) \(plan.clientAddress)")
            FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        }
    }

    static func rate(_ text: String) throws -> Int {
        guard let rate = Units.bitsPerSecond(text) else { throw ValidationError("'\(text)' is not a rate such as 10Mbps") }
        return rate
    }
}
