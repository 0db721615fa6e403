/// Where Augur runs: the DNS zone and its settings, the core node and every edge PoP with
/// the runtimes it offers, one address pool per runtime, limits and the link to the core.
public struct Topology: Sendable, Hashable {
    public var zone: DomainName
    public var dns: DNSSettings
    public var servicePort: Int
    public var registry: SocketEndpoint
    /// Everything runs on one machine: every pool and listen address must be loopback.
    public var singleHost: Bool
    public var core: Node
    public var edges: [Node]
    /// The file holding the orchestrator's own bearer token (its API). Each operator has its
    /// own (`OperatorSettings.tokenFile`).
    public var tokenFile: String
    /// The authority every operator's certificate is signed by (`tls: {ca: FILE}`); nil: the
    /// operators speak plain HTTP, which only loopback listen addresses may.
    public var tls: TopologyTLS?
    /// The file with the registry's login (`USER:PASSWORD`); nil: the registry is open, which
    /// only a loopback registry may be.
    public var registryCredentials: String?
    /// Where clients are and which edges answer them; empty: every client is answered by
    /// every ready instance.
    public var regions: [Region]
    /// The region of a client inside no region's networks; nil: such a client is answered by
    /// every ready instance.
    public var defaultRegion: String?

    public init(
        zone: DomainName, dns: DNSSettings, servicePort: Int, registry: SocketEndpoint, singleHost: Bool, core: Node, edges: [Node],
        tokenFile: String = ".augur/token", tls: TopologyTLS? = nil, registryCredentials: String? = nil, regions: [Region] = [], defaultRegion: String? = nil
    ) {
        self.regions = regions
        self.defaultRegion = defaultRegion
        self.tokenFile = tokenFile
        self.tls = tls
        self.registryCredentials = registryCredentials
        self.zone = zone
        self.dns = dns
        self.servicePort = servicePort
        self.registry = registry
        self.singleHost = singleHost
        self.core = core
        self.edges = edges
    }

    /// The core first, then the edges in file order.
    public var nodes: [Node] { [core] + edges }

    public func node(named name: String) -> Node? {
        core.name == name ? core : edges.first { $0.name == name }
    }
}

/// How the DNS balancer answers.
public struct DNSSettings: Sendable, Hashable {
    /// Response rate limiting over UDP, as authoritative servers on the internet do it (NSD's
    /// defaults): per source /24 (IPv4) or /56 (IPv6), at most `rate` answers a second; of the
    /// queries over it, every `slip`-th is answered truncated (TC), so a real client retries
    /// over TCP, which is never limited, and the others are dropped. `rate` 0 turns it off;
    /// `slip` 0 drops them all, 1 truncates them all.
    public struct RateLimit: Sendable, Hashable {
        public var rate: Int
        public var slip: Int

        public init(rate: Int, slip: Int) {
            self.rate = rate
            self.slip = slip
        }

        public static let nsd = RateLimit(rate: 200, slip: 2)
        public static let off = RateLimit(rate: 0, slip: 2)
        public var isOn: Bool { rate > 0 }
    }

    public var listen: [SocketEndpoint]
    public var ttl: UInt32
    /// At most this many address records in one answer; the set rotates on every query.
    public var maxRecords: Int
    /// The largest UDP payload Augur sends to an EDNS client (RFC 6891 §6.2.5; 1232 avoids fragmentation).
    public var maxUDPPayload: Int
    /// Length of a counting interval in milliseconds (the paper: 30 s).
    public var intervalMilliseconds: Int
    public var nameservers: [Nameserver]
    public var rateLimit: RateLimit

    public init(
        listen: [SocketEndpoint], ttl: UInt32, maxRecords: Int, maxUDPPayload: Int, intervalMilliseconds: Int, nameservers: [Nameserver],
        rateLimit: RateLimit = .nsd
    ) {
        self.rateLimit = rateLimit
        self.listen = listen
        self.ttl = ttl
        self.maxRecords = maxRecords
        self.maxUDPPayload = maxUDPPayload
        self.intervalMilliseconds = intervalMilliseconds
        self.nameservers = nameservers
    }
}

/// A name server of the zone, answered at the apex (NS) and by its own name (A/AAAA).
public struct Nameserver: Sendable, Hashable {
    public var label: String
    public var address: IPAddress

    public init(label: String, address: IPAddress) {
        self.label = label
        self.address = address
    }
}

/// The core cloud or one edge PoP.
public struct Node: Sendable, Hashable {
    public enum Role: String, Sendable, Hashable { case core, edge }

    public var name: String
    public var role: Role
    /// One address pool per runtime offered here (heterogeneous resources, different subnets).
    public var pools: [RuntimeKind: IPPrefix]
    public var instanceLimit: Int
    /// The link to the core; nil for the core itself.
    public var link: Link?
    /// Instances that always run here (the core's baseline) and that `augur dns` answers on its own.
    public var staticInstances: [StaticInstance]
    /// Where this node's edge operator serves its API and which runtimes' endpoints it uses.
    public var operatorSettings: OperatorSettings

    public init(
        name: String, role: Role, pools: [RuntimeKind: IPPrefix], instanceLimit: Int, link: Link?,
        staticInstances: [StaticInstance], operatorSettings: OperatorSettings? = nil
    ) {
        self.name = name
        self.role = role
        self.pools = pools
        self.instanceLimit = instanceLimit
        self.link = link
        self.staticInstances = staticInstances
        self.operatorSettings = operatorSettings ?? OperatorSettings(nodeName: name)
    }
}

/// How to reach a node's edge operator and the technologies it drives. Each node has its own
/// dockerd (own data root and socket), so edges keep separate image caches as machines would.
public struct OperatorSettings: Sendable, Hashable {
    public var listen: SocketEndpoint?
    public var dockerSocket: String
    /// Where the operator keeps what it must find again after a restart (Xen domain files,
    /// emulated instances' pid files, pulled unikernel artifacts).
    public var stateDirectory: String
    /// Where a real Xen edge puts its guests on the network (`operator.xen`); nil: the
    /// `xenbr0` bridge and the xen pool's own prefix, without a route.
    public var xenGuests: XenGuestNetwork?
    /// The bearer token this operator accepts, which only it and the orchestrator hold: a
    /// compromised edge has no credential for another edge or for the orchestrator's API.
    public var tokenFile: String
    /// This operator's certificate and key, when the topology has `tls`.
    public var tls: NodeCertificate?

    public init(
        listen: SocketEndpoint? = nil, dockerSocket: String? = nil, stateDirectory: String? = nil, xenGuests: XenGuestNetwork? = nil,
        tokenFile: String? = nil, tls: NodeCertificate? = nil, nodeName: String
    ) {
        self.listen = listen
        self.dockerSocket = dockerSocket ?? "/run/augur/\(nodeName)/docker.sock"
        self.stateDirectory = stateDirectory ?? "/var/lib/augur/\(nodeName)"
        self.xenGuests = xenGuests
        self.tokenFile = tokenFile ?? ".augur/\(nodeName).token"
        self.tls = tls
    }
}

/// The topology's certificate authority (PEM): operators present certificates it signed, and
/// the orchestrator trusts no other.
public struct TopologyTLS: Sendable, Hashable {
    public var ca: String

    public init(ca: String) { self.ca = ca }
}

/// A node's TLS identity: its certificate (PEM, naming its operator's listen address) and key.
public struct NodeCertificate: Sendable, Hashable {
    public var certificate: String
    public var key: String

    public init(certificate: String, key: String) {
        self.certificate = certificate
        self.key = key
    }
}

/// A network link between an edge and the core.
public struct Link: Sendable, Hashable {
    public var bitsPerSecond: Int
    public var delayMilliseconds: Int

    public init(bitsPerSecond: Int, delayMilliseconds: Int) {
        self.bitsPerSecond = bitsPerSecond
        self.delayMilliseconds = delayMilliseconds
    }
}

/// An instance declared in the topology rather than created by the orchestrator.
public struct StaticInstance: Sendable, Hashable {
    public var content: String
    public var flavor: String
    public var address: IPAddress

    public init(content: String, flavor: String, address: IPAddress) {
        self.content = content
        self.flavor = flavor
        self.address = address
    }
}
