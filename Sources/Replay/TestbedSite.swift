import AugurModel
import EdgeLink
import EdgeOperator
import Foundation
import Orchestrator
import Subprocess
import TestbedNetwork
import Workload

/// The namespace testbed (`Scripts/testbed-up --without-orchestrator`): this process runs in
/// the core's namespace, each edge's operator (`augur edge`) in its own and is reached over
/// the edge ↔ core link, and every round's users are an `augur users` process in the
/// clients' namespace (a client site's, `augur-clients-REGION`, for the users of a site). Before each run the edge links are reshaped to the run's rate.
public struct TestbedSite: ReplaySite {
    public let configuration: AugurConfiguration
    public let network: TestbedNetwork
    public let links: OperatorLinks
    public let dnsEndpoint: SocketEndpoint
    /// This executable, to start `augur users` with, and the configuration it reads.
    public let executable: String
    public let configurationArguments: [String]

    public init(
        configuration: AugurConfiguration, network: TestbedNetwork, links: OperatorLinks, dnsEndpoint: SocketEndpoint, executable: String, configurationArguments: [String]
    ) {
        self.configuration = configuration
        self.network = network
        self.links = links
        self.dnsEndpoint = dnsEndpoint
        self.executable = executable
        self.configurationArguments = configurationArguments
    }

    public func edges(for run: Scenario.Run, directory: URL) async throws -> ReplayEdges {
        try await network.shape(edgeBitsPerSecond: run.edgeBitsPerSecond)
        var clients: [EdgeClient] = []
        for node in configuration.topology.edges {
            let client: EdgeClient
            do {
                client = try links.client(for: node)
            } catch {
                throw ReplaySiteError(reason: "\(error): the testbed runs each edge's operator there")
            }
            do {
                _ = try await client.node()
            } catch {
                let core = network.plan.namespace(configuration.topology.core.name)
                throw ReplaySiteError(reason: "\(error): is the testbed up (Scripts/testbed-up --without-orchestrator), and does the replay run in its core (ip netns exec \(core) augur replay --testbed)?")
            }
            clients.append(client)
        }
        let first = clients.first
        return ReplayEdges(connections: clients.map(RemoteEdge.init), watch: {}, machineCPU: { try? await first?.node().usage?.cpuPercent })
    }

    public func users(_ round: RoundUsers, of item: ContentItem) async throws -> [UserResult] {
        let namespace = network.plan.namespace(round.site.map { TestbedPlan.siteNode($0.region) } ?? TestbedPlan.clientNode)
        if let site = round.site, !network.plan.namespaces.contains(namespace) {
            throw ReplaySiteError(reason: "the testbed has no namespace for site \(site.region): its region has no IPv4 client address")
        }
        let source = round.site.map { ["--source", $0.address.description] } ?? []
        let arguments = ["netns", "exec", namespace, executable, "users", item.name, "--users", "\(round.count)",
            "--arrival", round.arrival.rawValue, "--round-ms", "\(round.roundMilliseconds)", "--dns", dnsEndpoint.description] + source + configurationArguments
        let output: String
        do {
            let result = try await Subprocess.run(.name("ip"), arguments: Arguments(arguments), output: .string(limit: 64 << 20), error: .string(limit: 1 << 16))
            guard result.terminationStatus.isSuccess else {
                throw ReplaySiteError(reason: "the users in \(namespace) ended with \(result.terminationStatus): \(result.standardError.trimmingCharacters(in: .whitespacesAndNewlines))")
            }
            output = result.standardOutput
        } catch let error as ReplaySiteError {
            throw error
        } catch {
            throw ReplaySiteError(reason: "cannot start the users in \(namespace): \(error)")
        }
        do {
            return try JSONDecoder().decode([UserResult].self, from: Data(output.utf8))
        } catch {
            throw ReplaySiteError(reason: "the users in \(namespace) printed no results: \(error)")
        }
    }
}

/// A testbed the replay cannot use, or a round whose users could not run there.
public struct ReplaySiteError: Error, CustomStringConvertible {
    public var reason: String
    public var description: String { "testbed: \(reason)" }
}
