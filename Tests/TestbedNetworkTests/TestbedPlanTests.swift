import AugurModel
import Foundation
@testable import TestbedNetwork
import Testing
import TestSupport

/// The shipped testbed topology, read the way `augur testbed` reads it.
enum TestbedTopology {
    static func load(editing edit: (String) -> String = { $0 }) throws -> Topology {
        let root = Testbed.root
        func document(_ path: String) throws -> ConfigDocument {
            let text = try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
            return try ConfigDocument(file: path, text: path.hasPrefix("Topology/netns") ? edit(text) : text)
        }
        return try AugurConfiguration.decode(
            topology: document("Topology/netns-testbed.yaml"), flavors: document("Topology/flavors.yaml"), catalog: document("Content/catalog.yaml")
        ).topology
    }
}

@Suite struct TestbedPlanTests {
    @Test func everyNodeAndTheClientsGetANamespaceAndEdgesTwoLinks() throws {
        let plan = try TestbedPlan(topology: TestbedTopology.load())
        #expect(plan.namespaces == [
            "augur-core", "augur-edge-1", "augur-edge-2", "augur-edge-3", "augur-edge-4", "augur-clients", "augur-clients-north", "augur-clients-south",
        ])
        // The clients and each edge's two; each region's site: one to the core, one to each of its two edges.
        #expect(plan.links.count == 1 + 2 * 4 + 2 * (1 + 2))
        let edgeLinks = plan.links.filter { $0.edge != nil }
        #expect(edgeLinks.map(\.bitsPerSecond) == Array(repeating: 100_000_000, count: 4))
        #expect(edgeLinks.allSatisfy { $0.first.namespace == "augur-core" })
        #expect(plan.links.filter { $0.edge == nil }.allSatisfy { $0.bitsPerSecond == 200_000_000 && $0.second.namespace.hasPrefix("augur-clients") })
        #expect(plan.clientAddress == IPAddress("10.255.0.2"))
        // The registry refuses what comes over the clients' and the sites' links.
        let rules = plan.upCommands().filter { $0.contains("iptables") && $0.contains("INPUT") }
        #expect(rules == ["to-clients", "to-s1", "to-s2"].map { interface in
            [
                "ip", "netns", "exec", "augur-core", "iptables", "-A", "INPUT", "-i", interface, "-d", "10.200.0.1/32",
                "-p", "tcp", "--dport", "5000", "-j", "REJECT", "--reject-with", "tcp-reset",
            ]
        })
    }

    /// A region's client site holds the first address of its coverage zone, which the core
    /// routes back to it; it reaches its region's edges over its own links and the others
    /// through the core.
    @Test func aRegionsClientSiteHasItsAddressAndLinksToItsEdges() throws {
        let topology = try TestbedTopology.load()
        let plan = try TestbedPlan(topology: topology)
        let north = try #require(topology.regions.first { $0.name == "north" })
        let (first, inside) = (try #require(IPAddress("10.1.0.1")), try #require(IPAddress("10.1.9.9")))
        #expect(topology.siteAddress(of: north) == first && topology.region(of: inside)?.name == "north")
        #expect(plan.serviceAddresses["augur-clients-north"] == [first])
        let siteLinks = plan.links.filter { $0.second.namespace == "augur-clients-north" }
        #expect(siteLinks.map(\.first.namespace) == ["augur-core", "augur-edge-1", "augur-edge-2"])
        let routes = plan.routes.filter { $0.namespace == "augur-clients-north" }
        #expect(routes.first { $0.destination == nil }?.gateway == siteLinks[0].first.address, "the core by default")
        #expect(routes.first { $0.destination == "10.211.3.0/24" }?.gateway == siteLinks[1].first.address, "edge-1 over its own link")
        #expect(!routes.contains { $0.destination == "10.213.3.0/24" }, "edge-3, south's, through the core")
        #expect(plan.routes.contains { $0.namespace == "augur-core" && $0.destination == "10.1.0.0/16" && $0.gateway == siteLinks[0].second.address })
        // The core forwards what a site sends to an edge's pool, and only that (not the operators).
        let forward = plan.forwardingCommands.map { $0.dropFirst(4).joined(separator: " ") }
        #expect(forward.prefix(2) == ["sysctl -qw net.ipv4.ip_forward=1", "iptables -P FORWARD DROP"])
        #expect(forward.contains("iptables -A FORWARD -i to-s1 -d 10.213.3.0/24 -j ACCEPT") && forward.contains("iptables -A FORWARD -o to-s1 -j ACCEPT"))
        #expect(!forward.contains { $0.contains("10.201.0.1") || $0.contains("10.200.0.1") })
        // A nested zone of another region keeps its addresses: the site takes the first host outside it.
        let nested = try TestbedTopology.load {
            $0.replacingOccurrences(of: "{name: south, clients: [10.2.0.0/16]", with: "{name: south, clients: [10.2.0.0/16, 10.1.0.0/30]")
        }
        let site = try #require(nested.regions.first { $0.name == "north" })
        #expect(nested.siteAddress(of: site) == IPAddress("10.1.0.4"))
    }

    @Test func servicesAndPoolsAreLocalWhereTheyLiveAndRoutedFromTheOthers() throws {
        let plan = try TestbedPlan(topology: TestbedTopology.load())
        #expect(plan.serviceAddresses["augur-core"]?.contains(IPAddress("10.200.0.1")!) == true)
        #expect(plan.serviceAddresses["augur-edge-2"] == [IPAddress("10.202.0.1")!])
        #expect(plan.localPools["augur-edge-1"]?.map(\.description).sorted() == ["10.211.1.0/24", "10.211.2.0/24", "10.211.3.0/24"])
        let edge1Peer = plan.links.first { $0.edge == "edge-1" }!.second.address
        #expect(plan.routes.contains(TestbedPlan.Route(namespace: "augur-core", destination: "10.201.0.1/32", gateway: edge1Peer)))
        // Users reach an edge's instances over their own link, not through the edge's core link.
        let clientsEdge1 = plan.links.first { $0.first.namespace == "augur-edge-1" && $0.second.namespace == "augur-clients" }!
        #expect(plan.routes.contains(TestbedPlan.Route(namespace: "augur-clients", destination: "10.211.3.0/24", gateway: clientsEdge1.first.address)))
        #expect(plan.routes.contains(TestbedPlan.Route(namespace: "augur-edge-1", destination: nil, gateway: plan.links.first { $0.edge == "edge-1" }!.first.address)))
    }

    @Test func reshapingChangesOnlyTheEdgeLinks() throws {
        let plan = try TestbedPlan(topology: TestbedTopology.load())
        let commands = plan.shapeCommands(edgeBitsPerSecond: 10_000_000)
        #expect(commands.count == 2 * plan.links.count)
        let rates = commands.map { $0[$0.firstIndex(of: "rate")! + 1] }
        #expect(rates.filter { $0 == "10000000bit" }.count == 8)
        #expect(rates.filter { $0 == "200000000bit" }.count == 2 * (plan.links.count - 4), "the clients' and the sites' links keep their rate")
        #expect(plan.downCommands() == plan.namespaces.map { ["ip", "netns", "delete", $0] })
    }

    @Test func topologiesThatCannotBeATestbedSayWhy() throws {
        let loopback = try TestbedTopology.load { $0.replacingOccurrences(of: "10.211.3.0/24", with: "127.11.3.0/24") }
        #expect(throws: TestbedSetupError.invalid("edge-1's pool 127.11.3.0/24 is loopback: a testbed topology gives every node its own addresses")) {
            try TestbedPlan(topology: loopback)
        }
        let clash = try TestbedTopology.load { $0.replacingOccurrences(of: "10.212.2.0/24", with: "10.255.7.0/24") }
        #expect(throws: TestbedSetupError.invalid("edge-2's pool 10.255.7.0/24 overlaps the link block 10.255.0.0/16")) { try TestbedPlan(topology: clash) }
    }
}

/// `Topology/netns-testbed-xen.yaml`: edge-4 is a nested Xen host whose dom0 and guests live
/// behind a tap in its namespace.
@Suite struct XenTestbedPlanTests {
    static func plan() throws -> TestbedPlan {
        let root = Testbed.root
        func document(_ path: String) throws -> ConfigDocument {
            try ConfigDocument(file: path, text: String(contentsOf: root.appendingPathComponent(path), encoding: .utf8))
        }
        let topology = try AugurConfiguration.decode(
            topology: document("Topology/netns-testbed-xen.yaml"), flavors: document("Topology/flavors.yaml"), catalog: document("Content/catalog.yaml")
        ).topology
        return try TestbedPlan(topology: topology)
    }

    @Test func theXenHostsOperatorAndGuestsAreRoutedToItsNamespaceNotLocal() throws {
        let plan = try Self.plan()
        #expect(plan.serviceAddresses["augur-edge-4"] == [])
        #expect(plan.localPools["augur-edge-4"] == [])
        let edge4Peer = plan.links.first { $0.edge == "edge-4" }!.second.address
        #expect(plan.routes.contains(TestbedPlan.Route(namespace: "augur-core", destination: "10.214.1.2/32", gateway: edge4Peer)))
        #expect(plan.routes.contains(TestbedPlan.Route(namespace: "augur-core", destination: "10.214.1.64/26", gateway: edge4Peer)))
        let clientsEdge4 = plan.links.first { $0.first.namespace == "augur-edge-4" && $0.second.namespace == "augur-clients" }!
        #expect(plan.routes.contains(TestbedPlan.Route(namespace: "augur-clients", destination: "10.214.1.64/26", gateway: clientsEdge4.first.address)))
        // The other edges are unchanged.
        #expect(plan.localPools["augur-edge-1"]?.count == 3)
    }
}
