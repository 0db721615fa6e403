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

    /// The edge ↔ core rate that replaces the topology's.
    struct EdgeRate: ParsableArguments {
        @Option(help: "Shape the edge ↔ core links to this rate instead of the topology's (e.g. 10Mbps).")
        var edgeBandwidth: String?

        func bitsPerSecond() throws -> Int? {
            guard let edgeBandwidth else { return nil }
            guard let rate = Units.bitsPerSecond(edgeBandwidth) else { throw ValidationError("'\(edgeBandwidth)' is not a rate such as 10Mbps") }
            return rate
        }
    }

    struct Up: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Build the namespaces, links, addresses and routes (after removing an older one).")
        @OptionGroup var options: Options
        @OptionGroup var rate: EdgeRate

        func run() async throws {
            let edgeRate = try rate.bitsPerSecond()
            try await options.network().up(edgeBitsPerSecond: edgeRate)
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
        @OptionGroup var rate: EdgeRate

        func run() async throws { try await options.network().shape(edgeBitsPerSecond: try rate.bitsPerSecond()) }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: """
                Print what the scripts start where: core NS REGISTRY / edge NAME NS OPERATOR_LISTEN DOCKER_SOCKET TOKEN_FILE / \
                xen NAME GATEWAY/PREFIX BRIDGE (edges with operator.xen) / tls NAME CERTIFICATE KEY and ca FILE (with tls) / \
                registry-login FILE (with registry_credentials) / \
                clients NS ADDRESS / site REGION NS ADDRESS (a region's client site) / token FILE (the orchestrator's).
                """)
        @OptionGroup var options: Options

        func run() throws {
            let topology = try options.config.load().topology
            let plan = try TestbedPlan(topology: topology, prefix: options.prefix)
            var lines = ["core \(plan.namespace(topology.core.name)) \(topology.registry)"]
            if let credentials = topology.registryCredentials { lines.append("registry-login \(credentials)") }
            for edge in topology.edges {
                guard let listen = edge.operatorSettings.listen else { throw ValidationError("edge '\(edge.name)' has no operator.listen: the testbed runs its operator there") }
                lines.append("edge \(edge.name) \(plan.namespace(edge.name)) \(listen) \(edge.operatorSettings.dockerSocket) \(edge.operatorSettings.tokenFile)")
                if let tls = edge.operatorSettings.tls { lines.append("tls \(edge.name) \(tls.certificate) \(tls.key)") }
                if let xen = edge.operatorSettings.xenGuests, let gateway = xen.gateway {
                    lines.append("xen \(edge.name) \(gateway)/\(xen.prefixLength) \(xen.bridge)")
                }
            }
            if let tls = topology.tls { lines.append("ca \(tls.ca)") }
            lines.append("clients \(plan.namespace(TestbedPlan.clientNode)) \(plan.clientAddress)")
            for region in topology.regions {
                let namespace = plan.namespace(TestbedPlan.siteNode(region.name))
                if plan.namespaces.contains(namespace), let address = topology.siteAddress(of: region) { lines.append("site \(region.name) \(namespace) \(address)") }
            }
            lines.append("token \(topology.tokenFile)")
            FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        }
    }
}
