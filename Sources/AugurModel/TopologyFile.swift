/// Decodes a `Topology/*.yaml` file and checks it against the flavors and the catalog:
/// unique names, pools that do not overlap, loopback-only addresses on a single host,
/// static instances inside the pool of their flavor's runtime.
enum TopologyFile {
    private struct File: Decodable {
        let zone: String?
        let singleHost: Bool?
        let servicePort: Int?
        let registry: String
        let dns: DNS
        let core: NodeEntry
        let edges: [NodeEntry]
        let tokenFile: String?
        let tls: TLSEntry?
        let registryCredentials: String?
        let regions: [RegionEntry]?
        let defaultRegion: String?

        enum CodingKeys: String, CodingKey {
            case zone, registry, dns, core, edges, tls, regions
            case defaultRegion = "default_region"
            case registryCredentials = "registry_credentials"
            case tokenFile = "token_file"
            case singleHost = "single_host"
            case servicePort = "service_port"
        }
    }

    private struct DNS: Decodable {
        let listen: [String]
        let ttl: Int?
        let maxRecords: Int?
        let maxUDPPayload: Int?
        let interval: String?
        let nameservers: [NameserverEntry]
        let rrl: RateLimitEntry?

        enum CodingKeys: String, CodingKey {
            case listen, ttl, interval, nameservers, rrl
            case maxRecords = "max_records"
            case maxUDPPayload = "max_udp_payload"
        }
    }

    private struct TLSEntry: Decodable {
        let ca: String
    }

    private struct CertificateEntry: Decodable {
        let certificate: String
        let key: String
    }

    private struct RateLimitEntry: Decodable {
        let rate: Int?
        let slip: Int?
    }

    private struct NameserverEntry: Decodable {
        let name: String
        let address: String
    }

    private struct NodeEntry: Decodable {
        let name: String
        let instanceLimit: Int
        let pools: [String: String]
        let link: LinkEntry?
        let staticInstances: [StaticEntry]?
        let operatorEntry: OperatorEntry?

        enum CodingKeys: String, CodingKey {
            case name, pools, link
            case operatorEntry = "operator"
            case instanceLimit = "instance_limit"
            case staticInstances = "static_instances"
        }
    }

    private struct LinkEntry: Decodable {
        let bandwidth: String
        let delay: String?
    }

    private struct OperatorEntry: Decodable {
        let listen: String?
        let dockerSocket: String?
        let stateDirectory: String?
        let xen: XenEntry?
        let tokenFile: String?
        let tls: CertificateEntry?

        enum CodingKeys: String, CodingKey {
            case listen, xen, tls
            case tokenFile = "token_file"
            case dockerSocket = "docker_socket"
            case stateDirectory = "state_directory"
        }
    }

    private struct XenEntry: Decodable {
        let bridge: String?
        let gateway: String?
    }

    private struct StaticEntry: Decodable {
        let content: String
        let flavor: String
        let address: String
    }

    typealias Path = [ConfigDocument.PathStep]

    static func decode(_ document: ConfigDocument, flavors: [String: Flavor], catalog: Catalog) throws(ConfigError) -> Topology {
        let file = try document.decode(File.self)
        guard let zone = DomainName(file.zone ?? "cdn.example."), !zone.labels.isEmpty else {
            throw document.error([.key("zone")], "'\(file.zone ?? "")' is not a domain name")
        }
        let singleHost = file.singleHost ?? true
        let dns = try decodeDNS(file.dns, document: document, singleHost: singleHost, catalog: catalog)
        let servicePort = file.servicePort ?? 8080
        guard (1...65535).contains(servicePort) else {
            throw document.error([.key("service_port")], "\(servicePort) is not a TCP port")
        }
        guard let registry = SocketEndpoint(file.registry), registry.port > 0 else {
            throw document.error([.key("registry")], "'\(file.registry)' is not ADDRESS:PORT")
        }
        if singleHost, !registry.address.isLoopback {
            throw document.error([.key("registry")], "\(registry) is outside loopback on a single-host topology")
        }
        if file.registryCredentials == nil, !registry.address.isLoopback {
            throw document.error(
                [.key("registry")], "\(registry) is outside loopback, where the registry may not be open: give the topology registry_credentials: FILE (Scripts/registry start --credentials FILE makes it)")
        }
        let tokenFile = file.tokenFile ?? ".augur/token"
        let tls = file.tls.map { TopologyTLS(ca: $0.ca) }
        let site = Site(singleHost: singleHost, tokenFile: tokenFile, tls: tls, flavors: flavors, catalog: catalog)
        let core = try decodeNode(file.core, role: .core, path: [.key("core")], document: document, site: site)
        var edges: [Node] = []
        for (index, entry) in file.edges.enumerated() {
            edges.append(try decodeNode(entry, role: .edge, path: [.key("edges"), .index(index)], document: document, site: site))
        }
        var topology = Topology(
            zone: zone, dns: dns, servicePort: servicePort, registry: registry, singleHost: singleHost, core: core, edges: edges,
            tokenFile: tokenFile, tls: tls, registryCredentials: file.registryCredentials)
        try checkAcrossNodes(topology, document: document)
        (topology.regions, topology.defaultRegion) = try decodeRegions(file.regions ?? [], defaultRegion: file.defaultRegion, edges: edges, document: document)
        return topology
    }

    private static func decodeDNS(_ dns: DNS, document: ConfigDocument, singleHost: Bool, catalog: Catalog) throws(ConfigError) -> DNSSettings {
        let path: Path = [.key("dns")]
        guard !dns.listen.isEmpty else { throw document.error(path + [.key("listen")], "at least one listen address is required") }
        var listen: [SocketEndpoint] = []
        for (index, text) in dns.listen.enumerated() {
            guard let endpoint = SocketEndpoint(text) else {
                throw document.error(path + [.key("listen"), .index(index)], "'\(text)' is not ADDRESS:PORT")
            }
            if singleHost, !endpoint.address.isLoopback {
                throw document.error(path + [.key("listen"), .index(index)], "\(endpoint) is outside loopback on a single-host topology")
            }
            listen.append(endpoint)
        }
        let ttl = dns.ttl ?? 5
        guard (0...86_400).contains(ttl) else { throw document.error(path + [.key("ttl")], "TTL must be 0…86400 seconds") }
        let maxRecords = dns.maxRecords ?? 8
        guard (1...1_000).contains(maxRecords) else { throw document.error(path + [.key("max_records")], "must be 1…1000 records") }
        let maxUDP = dns.maxUDPPayload ?? 1232
        guard (512...65_535).contains(maxUDP) else { throw document.error(path + [.key("max_udp_payload")], "must be 512…65535 bytes") }
        let intervalText = dns.interval ?? "30s"
        guard let interval = Units.milliseconds(intervalText), interval >= 1_000 else {
            throw document.error(path + [.key("interval")], "'\(intervalText)' is not a duration of at least 1s")
        }
        guard !dns.nameservers.isEmpty else { throw document.error(path + [.key("nameservers")], "at least one name server is required") }
        var nameservers: [Nameserver] = []
        for (index, entry) in dns.nameservers.enumerated() {
            let nsPath = path + [.key("nameservers"), .index(index)]
            guard DomainName.isValidLabel(entry.name), entry.name == entry.name.lowercased() else {
                throw document.error(nsPath + [.key("name")], "'\(entry.name)' is not a lower-case DNS label")
            }
            guard catalog.item(named: entry.name) == nil else {
                throw document.error(nsPath + [.key("name")], "'\(entry.name)' is also a content name")
            }
            guard !nameservers.contains(where: { $0.label == entry.name }) else {
                throw document.error(nsPath + [.key("name")], "duplicate name server '\(entry.name)'")
            }
            guard let address = IPAddress(entry.address) else {
                throw document.error(nsPath + [.key("address")], "'\(entry.address)' is not an IP address")
            }
            nameservers.append(Nameserver(label: entry.name, address: address))
        }
        let rate = dns.rrl?.rate ?? DNSSettings.RateLimit.nsd.rate
        guard (0...10_000_000).contains(rate) else { throw document.error(path + [.key("rrl"), .key("rate")], "must be 0 (off)…10000000 answers a second") }
        let slip = dns.rrl?.slip ?? DNSSettings.RateLimit.nsd.slip
        guard (0...100).contains(slip) else { throw document.error(path + [.key("rrl"), .key("slip")], "must be 0…100") }
        return DNSSettings(
            listen: listen, ttl: UInt32(ttl), maxRecords: maxRecords, maxUDPPayload: maxUDP, intervalMilliseconds: interval, nameservers: nameservers,
            rateLimit: .init(rate: rate, slip: slip))
    }

    /// What every node's entry is read against.
    private struct Site {
        let singleHost: Bool
        let tokenFile: String
        let tls: TopologyTLS?
        let flavors: [String: Flavor]
        let catalog: Catalog
    }

    private static func decodeNode(_ entry: NodeEntry, role: Node.Role, path: Path, document: ConfigDocument, site: Site) throws(ConfigError) -> Node {
        let (singleHost, flavors, catalog) = (site.singleHost, site.flavors, site.catalog)
        guard DomainName.isValidLabel(entry.name), entry.name == entry.name.lowercased() else {
            throw document.error(path + [.key("name")], "'\(entry.name)' is not a lower-case DNS label")
        }
        guard entry.instanceLimit >= 0 else {
            throw document.error(path + [.key("instance_limit")], "must not be negative")
        }
        guard !entry.pools.isEmpty else { throw document.error(path + [.key("pools")], "at least one runtime pool is required") }
        var pools: [RuntimeKind: IPPrefix] = [:]
        for (runtimeName, poolText) in entry.pools.sorted(by: { $0.key < $1.key }) {
            let poolPath = path + [.key("pools"), .key(runtimeName)]
            guard let runtime = RuntimeKind(rawValue: runtimeName) else {
                throw document.error(poolPath, "unknown runtime '\(runtimeName)' (known: \(RuntimeKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard let pool = IPPrefix(poolText) else {
                throw document.error(poolPath, "'\(poolText)' is not a subnet such as 127.1.2.0/24")
            }
            if singleHost, !pool.isLoopback {
                throw document.error(poolPath, "\(pool) is outside loopback (127.0.0.0/8) on a single-host topology")
            }
            pools[runtime] = pool
        }
        var link: Link?
        if let linkEntry = entry.link {
            guard let bandwidth = Units.bitsPerSecond(linkEntry.bandwidth) else {
                throw document.error(path + [.key("link"), .key("bandwidth")], "'\(linkEntry.bandwidth)' is not a bandwidth such as 100Mbps")
            }
            let delayText = linkEntry.delay ?? "0ms"
            guard let delay = Units.milliseconds(delayText) else {
                throw document.error(path + [.key("link"), .key("delay")], "'\(delayText)' is not a delay such as 5ms")
            }
            link = Link(bitsPerSecond: bandwidth, delayMilliseconds: delay)
        } else if role == .edge {
            throw document.error(path, "an edge needs a link to the core (bandwidth, delay)")
        }
        var statics: [StaticInstance] = []
        for (index, item) in (entry.staticInstances ?? []).enumerated() {
            let itemPath = path + [.key("static_instances"), .index(index)]
            guard let content = catalog.item(named: item.content) else {
                throw document.error(itemPath + [.key("content")], "unknown content '\(item.content)'")
            }
            guard content.flavors.contains(item.flavor), let flavor = flavors[item.flavor] else {
                throw document.error(itemPath + [.key("flavor")], "content '\(item.content)' is not served by flavor '\(item.flavor)'")
            }
            guard let pool = pools[flavor.runtime] else {
                throw document.error(itemPath + [.key("flavor")], "node '\(entry.name)' offers no \(flavor.runtime.rawValue) runtime for flavor '\(item.flavor)'")
            }
            guard let address = IPAddress(item.address), pool.contains(address) else {
                throw document.error(itemPath + [.key("address")], "'\(item.address)' is not an address in the \(flavor.runtime.rawValue) pool \(pool)")
            }
            statics.append(StaticInstance(content: item.content, flavor: item.flavor, address: address))
        }
        if statics.count > entry.instanceLimit {
            throw document.error(path + [.key("static_instances")], "\(statics.count) static instances exceed the instance limit \(entry.instanceLimit)")
        }
        var operatorListen: SocketEndpoint?
        if let text = entry.operatorEntry?.listen {
            guard let endpoint = SocketEndpoint(text), endpoint.port > 0 else {
                throw document.error(path + [.key("operator"), .key("listen")], "'\(text)' is not ADDRESS:PORT")
            }
            if singleHost, !endpoint.address.isLoopback {
                throw document.error(path + [.key("operator"), .key("listen")], "\(endpoint) is outside loopback on a single-host topology")
            }
            if site.tls == nil, !endpoint.address.isLoopback {
                throw document.error(
                    path + [.key("operator"), .key("listen")],
                    "\(endpoint) is outside loopback, where the operator may not speak plain HTTP: give the topology tls: {ca: FILE} (Scripts/tls-certs makes it)")
            }
            operatorListen = endpoint
        }
        let operatorTLS = try decodeCertificate(entry, path: path + [.key("operator"), .key("tls")], document: document, site: site)
        let xenGuests = try entry.operatorEntry?.xen.map { xen throws(ConfigError) in
            try decodeXenGuests(xen, pool: pools[.xen], path: path + [.key("operator"), .key("xen")], document: document)
        }
        let settings = OperatorSettings(
            listen: operatorListen, dockerSocket: entry.operatorEntry?.dockerSocket,
            stateDirectory: entry.operatorEntry?.stateDirectory, xenGuests: xenGuests,
            tokenFile: entry.operatorEntry?.tokenFile ?? sibling(of: site.tokenFile, named: "\(entry.name).token"), tls: operatorTLS,
            nodeName: entry.name)
        return Node(
            name: entry.name, role: role, pools: pools, instanceLimit: entry.instanceLimit, link: link, staticInstances: statics,
            operatorSettings: settings)
    }

    /// `operator.tls`, or (with the topology's `tls`) NAME.pem and NAME.key beside the CA, as
    /// `Scripts/tls-certs` writes them.
    private static func decodeCertificate(_ entry: NodeEntry, path: Path, document: ConfigDocument, site: Site) throws(ConfigError) -> NodeCertificate? {
        let given = entry.operatorEntry?.tls
        guard let tls = site.tls else {
            if given != nil { throw document.error(path, "operator.tls needs the topology's tls: {ca: FILE}, which its certificate is checked against") }
            return nil
        }
        return NodeCertificate(
            certificate: given?.certificate ?? sibling(of: tls.ca, named: "\(entry.name).pem"), key: given?.key ?? sibling(of: tls.ca, named: "\(entry.name).key"))
    }

    /// `name` in the folder of the file at `path`.
    private static func sibling(of path: String, named name: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return name }
        return String(path[...slash]) + name
    }

    /// `operator.xen`: the guests' bridge and `gateway: ADDRESS/PREFIX`, whose subnet must hold
    /// the node's whole xen pool (the guests reach the gateway on-link).
    private static func decodeXenGuests(_ entry: XenEntry, pool: IPPrefix?, path: Path, document: ConfigDocument) throws(ConfigError) -> XenGuestNetwork {
        guard let pool else { throw document.error(path, "operator.xen needs a xen pool on this node") }
        let bridge = entry.bridge ?? "xenbr0"
        guard !bridge.isEmpty, bridge.count <= 15, bridge.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw document.error(path + [.key("bridge")], "'\(bridge)' is not a network interface name (letters, digits, - and _, at most 15)")
        }
        guard let text = entry.gateway else { return XenGuestNetwork(bridge: bridge, prefixLength: pool.prefixLength) }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let gateway = IPAddress(String(parts[0])), let length = Int(parts[1]),
            let subnet = IPPrefix(containing: gateway, prefixLength: length)
        else {
            throw document.error(path + [.key("gateway")], "'\(text)' is not ADDRESS/PREFIX such as 10.220.0.1/24")
        }
        guard subnet.prefixLength <= pool.prefixLength, subnet.contains(pool.network), !pool.contains(gateway) else {
            throw document.error(path + [.key("gateway")], "the xen pool \(pool) must lie inside \(subnet) and not hold the gateway \(gateway)")
        }
        return XenGuestNetwork(bridge: bridge, gateway: gateway, prefixLength: length)
    }

    private static func nodePath(_ index: Int) -> Path {
        index == 0 ? [.key("core")] : [.key("edges"), .index(index - 1)]
    }

    private static func checkAcrossNodes(_ topology: Topology, document: ConfigDocument) throws(ConfigError) {
        let nodes = topology.nodes
        var names: Set<String> = []
        var addresses: Set<IPAddress> = []
        var tokenFiles = [topology.tokenFile: "the orchestrator"]
        for (index, node) in nodes.enumerated() {
            guard names.insert(node.name).inserted else {
                throw document.error(nodePath(index) + [.key("name")], "duplicate node name '\(node.name)'")
            }
            if let holder = tokenFiles.updateValue(node.name, forKey: node.operatorSettings.tokenFile) {
                throw document.error(
                    nodePath(index) + [.key("operator"), .key("token_file")],
                    "\(node.operatorSettings.tokenFile) is also \(holder)'s token file: every site has its own credentials")
            }
            for (staticIndex, instance) in node.staticInstances.enumerated() where !addresses.insert(instance.address).inserted {
                throw document.error(nodePath(index) + [.key("static_instances"), .index(staticIndex), .key("address")], "address \(instance.address) is used twice")
            }
        }
        let pools = nodes.enumerated().flatMap { index, node in
            node.pools.sorted { $0.key.rawValue < $1.key.rawValue }.map { (index: index, node: node.name, runtime: $0.key, pool: $0.value) }
        }
        for (i, a) in pools.enumerated() {
            for b in pools[(i + 1)...] where a.pool.overlaps(b.pool) {
                throw document.error(
                    nodePath(b.index) + [.key("pools"), .key(b.runtime.rawValue)],
                    "\(b.pool) overlaps \(a.node)'s \(a.runtime.rawValue) pool \(a.pool)")
            }
        }
    }
}
