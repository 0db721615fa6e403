import AugurModel

/// The network a topology needs to run as a testbed on one machine: a namespace per node and
/// one for the clients, veth links shaped to each link's bandwidth with a token bucket (core ↔
/// edge from the topology; clients ↔ core and clients ↔ each edge at the clients' rate, so users
/// reach an edge without crossing its core link), a client site per region (its namespace
/// holds an address of the region's coverage zone and has links of its own to the core and
/// to the region's edges; other edges it reaches through the core), every service address and instance pool made
/// local to its node, and the routes between them. Pure: it only says which `ip`/`tc` commands
/// do it. A link's delay is not emulated: that needs netem, which this kernel lacks
/// (`CONFIG_NET_SCH_NETEM` is not set: docs/replay-and-testbed.md); at the paper's 2 ms it is small beside the transfers it would delay.
public struct TestbedPlan: Sendable, Hashable {
    /// One side of a veth link.
    public struct End: Sendable, Hashable {
        public var namespace: String
        public var interface: String
        public var address: IPAddress
    }

    /// A veth pair and the rate each side shapes what it sends to.
    public struct VethLink: Sendable, Hashable {
        public var first: End
        public var second: End
        public var bitsPerSecond: Int
        /// The edge at one side, for links whose rate follows the edge's core link.
        public var edge: String?
    }

    /// A route in one namespace: `destination` (nil for the default route) via a link peer.
    public struct Route: Sendable, Hashable {
        public var namespace: String
        public var destination: String?
        public var gateway: IPAddress
    }

    /// The clients' namespace.
    public static let clientNode = "clients"

    /// The namespace node of a region's client site: its users resolve from an address inside
    /// the region's coverage zone and reach the region's edges over links of their own.
    public static func siteNode(_ region: String) -> String { "\(clientNode)-\(region)" }

    public let prefix: String
    public private(set) var namespaces: [String] = []
    public private(set) var links: [VethLink] = []
    /// Single addresses (services: registry, DNS, operators, static instances) per namespace.
    public private(set) var serviceAddresses: [String: [IPAddress]] = [:]
    /// Instance pools made local to a namespace: every address in them is the node's own.
    public private(set) var localPools: [String: [IPPrefix]] = [:]
    public private(set) var routes: [Route] = []
    /// The registry, when it serves from the core's namespace: only the core and the edges
    /// may reach it (the clients' links are refused there).
    public private(set) var registry: SocketEndpoint?
    /// The core's ends of the clients' and the sites' links.
    private var clientInterfacesInCore: [String] = []
    /// Every edge's instance pools (a nested Xen host's included), which the core forwards to.
    private var edgePools: [IPPrefix] = []

    /// - Parameters:
    ///   - clientBitsPerSecond: the clients' links (the paper: 200 Mbps).
    ///   - linkBlock: the /16 the links' /30 subnets come from; it must not meet the topology's addresses.
    public init(topology: Topology, prefix: String = "augur", clientBitsPerSecond: Int = 200_000_000, linkBlock: IPPrefix? = IPPrefix("10.255.0.0/16")) throws(TestbedSetupError) {
        guard let linkBlock, case .v4(let blockBase) = linkBlock.network, linkBlock.prefixLength <= 22 else {
            throw TestbedSetupError.invalid("the link block must be an IPv4 prefix of at most /22")
        }
        self.prefix = prefix
        let core = topology.core
        let clients = namespace(Self.clientNode)
        namespaces = [namespace(core.name)] + topology.edges.map { namespace($0.name) } + [clients]
        for name in namespaces where name.utf8.count > 64 { throw TestbedSetupError.invalid("namespace name '\(name)' is too long") }

        var coreAddresses = [topology.registry.address] + topology.dns.listen.map(\.address) + core.staticInstances.map(\.address)
        coreAddresses = coreAddresses.filter { !$0.isLoopback && $0 != IPAddress("0.0.0.0") }
        serviceAddresses[namespace(core.name)] = Self.unique(coreAddresses)
        if !topology.registry.address.isLoopback { registry = topology.registry }
        localPools[namespace(core.name)] = core.pools.values.sorted { $0.description < $1.description }
        let capacity = 1 << (32 - linkBlock.prefixLength - 2)
        let sites = topology.regions.compactMap { region in topology.siteAddress(of: region).flatMap { $0.isLoopback ? nil : (region, $0) } }
        let needed = 1 + 2 * topology.edges.count + sites.reduce(0) { $0 + 1 + $1.0.edges.count }
        guard needed <= capacity else { throw TestbedSetupError.invalid("\(linkBlock) holds \(capacity) links; \(topology.edges.count) edges and \(sites.count) client sites need \(needed)") }
        var linkIndex: UInt32 = 0
        func nextSubnet() -> (IPAddress, IPAddress) {
            defer { linkIndex += 1 }
            return (.v4(blockBase + linkIndex * 4 + 1), .v4(blockBase + linkIndex * 4 + 2))
        }

        let (coreToClients, clientsToCore) = nextSubnet()
        links.append(VethLink(
            first: End(namespace: namespace(core.name), interface: "to-clients", address: coreToClients),
            second: End(namespace: clients, interface: "to-core", address: clientsToCore), bitsPerSecond: clientBitsPerSecond, edge: nil))
        routes.append(Route(namespace: clients, destination: nil, gateway: coreToClients))
        clientInterfacesInCore.append("to-clients")

        for (index, edge) in topology.edges.enumerated() {
            guard let link = edge.link else { throw TestbedSetupError.invalid("edge '\(edge.name)' has no link: its bandwidth shapes the testbed") }
            let edgeNamespace = namespace(edge.name)
            let own = [edge.operatorSettings.listen?.address].compactMap { $0 }.filter { !$0.isLoopback }
            let pools = edge.pools.values.sorted { $0.description < $1.description }
            // A nested Xen host (operator.xen with a gateway) holds its operator's address (dom0)
            // and its guests behind the tap Scripts/xen-host adds to this namespace: they are
            // routed there, not local.
            let hosted = edge.operatorSettings.xenGuests?.subnet
            serviceAddresses[edgeNamespace] = own.filter { hosted?.contains($0) != true }
            localPools[edgeNamespace] = pools.filter { hosted?.contains($0.network) != true }
            let reachable = own.map { "\($0)/32" } + pools.map(\.description)
            edgePools += pools

            let (coreSide, edgeSide) = nextSubnet()
            links.append(VethLink(
                first: End(namespace: namespace(core.name), interface: "to-e\(index + 1)", address: coreSide),
                second: End(namespace: edgeNamespace, interface: "to-core", address: edgeSide),
                bitsPerSecond: link.bitsPerSecond, edge: edge.name))
            routes.append(Route(namespace: edgeNamespace, destination: nil, gateway: coreSide))
            routes += reachable.map { Route(namespace: namespace(core.name), destination: $0, gateway: edgeSide) }

            let (edgeToClients, clientsToEdge) = nextSubnet()
            links.append(VethLink(
                first: End(namespace: edgeNamespace, interface: "to-clients", address: edgeToClients),
                second: End(namespace: clients, interface: "to-e\(index + 1)", address: clientsToEdge),
                bitsPerSecond: clientBitsPerSecond, edge: nil))
            routes += pools.map { Route(namespace: clients, destination: $0.description, gateway: edgeToClients) }
        }
        for (index, (region, address)) in sites.enumerated() {
            let site = namespace(Self.siteNode(region.name))
            guard site.utf8.count <= 64 else { throw TestbedSetupError.invalid("namespace name '\(site)' is too long") }
            namespaces.append(site)
            serviceAddresses[site] = [address]
            let (coreSide, siteSide) = nextSubnet()
            links.append(VethLink(
                first: End(namespace: namespace(core.name), interface: "to-s\(index + 1)", address: coreSide),
                second: End(namespace: site, interface: "to-core", address: siteSide), bitsPerSecond: clientBitsPerSecond, edge: nil))
            clientInterfacesInCore.append("to-s\(index + 1)")
            routes.append(Route(namespace: site, destination: nil, gateway: coreSide))
            routes += region.clients.filter { !$0.network.isV6 }.map { Route(namespace: namespace(core.name), destination: $0.description, gateway: siteSide) }
            for name in region.edges {
                guard let edgeIndex = topology.edges.firstIndex(where: { $0.name == name }) else { continue }
                let edge = topology.edges[edgeIndex]
                let (edgeToSite, siteToEdge) = nextSubnet()
                links.append(VethLink(
                    first: End(namespace: namespace(edge.name), interface: "to-s\(index + 1)", address: edgeToSite),
                    second: End(namespace: site, interface: "to-e\(edgeIndex + 1)", address: siteToEdge), bitsPerSecond: clientBitsPerSecond, edge: nil))
                routes += edge.pools.values.sorted { $0.description < $1.description }.map { Route(namespace: site, destination: $0.description, gateway: edgeToSite) }
            }
        }
        try checkAddresses(topology: topology, linkBlock: linkBlock)
    }

    /// The namespace of a node (or of the clients).
    public func namespace(_ node: String) -> String { "\(prefix)-\(node)" }

    /// The clients' address on their link to the core.
    public var clientAddress: IPAddress { links[0].second.address }

    /// Commands that build the testbed's network from nothing, in order; `edgeBitsPerSecond`
    /// shapes the edge ↔ core links at that rate instead of the topology's.
    public func upCommands(edgeBitsPerSecond: Int? = nil) -> [[String]] {
        var commands: [[String]] = []
        for name in namespaces {
            commands.append(["ip", "netns", "add", name])
            commands.append(["ip", "-n", name, "link", "set", "lo", "up"])
        }
        for link in links {
            commands.append(["ip", "-n", link.first.namespace, "link", "add", link.first.interface, "type", "veth", "peer", "name", link.second.interface, "netns", link.second.namespace])
            for end in [link.first, link.second] {
                commands.append(["ip", "-n", end.namespace, "addr", "add", "\(end.address)/30", "dev", end.interface])
                commands.append(["ip", "-n", end.namespace, "link", "set", end.interface, "up"])
            }
        }
        commands += shapeCommands(edgeBitsPerSecond: edgeBitsPerSecond)
        for name in namespaces {
            commands += (serviceAddresses[name] ?? []).map { ["ip", "-n", name, "addr", "add", "\($0)/32", "dev", "lo"] }
            commands += (localPools[name] ?? []).map { ["ip", "-n", name, "route", "add", "local", $0.description, "dev", "lo"] }
        }
        for route in routes {
            commands.append(["ip", "-n", route.namespace, "route", "add", route.destination ?? "default", "via", "\(route.gateway)"])
        }
        commands += forwardingCommands
        if let registry, let core = namespaces.first {
            for interface in clientInterfacesInCore {
                commands.append([
                    "ip", "netns", "exec", core, "iptables", "-A", "INPUT", "-i", interface, "-d", "\(registry.address)/32",
                    "-p", "tcp", "--dport", "\(registry.port)", "-j", "REJECT", "--reject-with", "tcp-reset",
                ])
            }
        }
        return commands
    }

    /// The core is the backbone: a client site reaches other regions' edges through it. It
    /// forwards what the clients and sites send to an edge's instance pool, and anything
    /// back to them; nothing else (an operator, the registry) is forwarded.
    var forwardingCommands: [[String]] {
        guard let core = namespaces.first else { return [] }
        let table = ["ip", "netns", "exec", core, "iptables"]
        var commands = [["ip", "netns", "exec", core, "sysctl", "-qw", "net.ipv4.ip_forward=1"], table + ["-P", "FORWARD", "DROP"]]
        for interface in clientInterfacesInCore {
            commands.append(table + ["-A", "FORWARD", "-o", interface, "-j", "ACCEPT"])
            commands += edgePools.map { table + ["-A", "FORWARD", "-i", interface, "-d", $0.description, "-j", "ACCEPT"] }
        }
        return commands
    }

    /// Commands that shape every link's both sides; `edgeBitsPerSecond` overrides the
    /// topology's edge ↔ core rate (a 10 Mbps run on the same testbed).
    public func shapeCommands(edgeBitsPerSecond: Int?) -> [[String]] {
        links.flatMap { link in
            let rate = link.edge == nil ? link.bitsPerSecond : edgeBitsPerSecond ?? link.bitsPerSecond
            return [link.first, link.second].map { end in
                ["tc", "-n", end.namespace, "qdisc", "replace", "dev", end.interface, "root", "tbf", "rate", "\(rate)bit", "burst", "\(Self.burstBytes(rate))", "latency", "200ms"]
            }
        }
    }

    /// Commands that remove it all: deleting a namespace deletes its links.
    public func downCommands() -> [[String]] { namespaces.map { ["ip", "netns", "delete", $0] } }

    /// The bucket: 10 ms at the link's rate, at least 16 KiB (the timer tick must not starve it).
    static func burstBytes(_ bitsPerSecond: Int) -> Int { max(16_384, bitsPerSecond / 8 / 100) }

    private func checkAddresses(topology: Topology, linkBlock: IPPrefix) throws(TestbedSetupError) {
        for node in topology.nodes {
            for pool in node.pools.values {
                if pool.network.isV6 { throw TestbedSetupError.invalid("\(node.name)'s pool \(pool) is IPv6; the testbed is IPv4") }
                if pool.isLoopback { throw TestbedSetupError.invalid("\(node.name)'s pool \(pool) is loopback: a testbed topology gives every node its own addresses") }
                if pool.overlaps(linkBlock) { throw TestbedSetupError.invalid("\(node.name)'s pool \(pool) overlaps the link block \(linkBlock)") }
            }
        }
        for address in serviceAddresses.values.joined() where linkBlock.contains(address) || address.isV6 {
            throw TestbedSetupError.invalid("\(address) is IPv6 or inside the link block \(linkBlock)")
        }
    }

    private static func unique(_ addresses: [IPAddress]) -> [IPAddress] {
        var seen = Set<IPAddress>()
        return addresses.filter { seen.insert($0).inserted }
    }
}

/// Why a topology cannot become a testbed, or which command failed while building one.
public enum TestbedSetupError: Error, Sendable, CustomStringConvertible, Equatable {
    case invalid(String)
    case commandFailed(command: String, reason: String)

    public var description: String {
        switch self {
        case .invalid(let reason): return "testbed: \(reason)"
        case .commandFailed(let command, let reason): return "testbed: `\(command)` failed: \(reason)"
        }
    }
}
