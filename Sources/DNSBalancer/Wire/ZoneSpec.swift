/// How the zone is answered, in the wire layer's own terms (no configuration types),
/// so that the packet path builds and fuzzes on its own.
public struct ZoneSettings: Sendable, Hashable {
    public var zone: String
    public var ttl: UInt32
    public var maxRecords: Int
    public var maxUDPPayload: Int
    /// Name-server labels inside the zone and their address bytes (4 or 16).
    public var nameservers: [NameserverSpec]
    /// Where clients are and which edges answer them; empty: every client gets every address.
    public var regions: [RegionSpec]
    /// The region of a client in none (nil: such a client gets every address).
    public var defaultRegion: String?
    /// The node whose addresses join a region's answer after every edge of the region.
    public var core: String?

    public init(
        zone: String, ttl: UInt32, maxRecords: Int, maxUDPPayload: Int, nameservers: [NameserverSpec], regions: [RegionSpec] = [], defaultRegion: String? = nil,
        core: String? = nil
    ) {
        self.regions = regions
        self.defaultRegion = defaultRegion
        self.core = core
        self.zone = zone
        self.ttl = ttl
        self.maxRecords = maxRecords
        self.maxUDPPayload = maxUDPPayload
        self.nameservers = nameservers
    }
}

/// A name server of the zone.
public struct NameserverSpec: Sendable, Hashable {
    public var label: String
    public var address: [UInt8]

    public init(label: String, address: [UInt8]) {
        self.label = label
        self.address = address
    }
}

/// The ready addresses of one content, by flavor, in the order they became ready.
/// Every flavor the content may use is listed, with or without addresses.
public struct ContentPools: Sendable, Hashable {
    public var content: String
    public var flavors: [FlavorPool]
    /// Lookups one instance serves in an interval: a region's edge has answered its share
    /// once its instances' lookups are spent, and the next edge joins.
    public var lookupsPerInstance: Int

    public init(content: String, flavors: [FlavorPool], lookupsPerInstance: Int = .max) {
        self.content = content
        self.flavors = flavors
        self.lookupsPerInstance = lookupsPerInstance
    }

    /// Every address of every flavor, flavors in order.
    public var allAddresses: [[UInt8]] { flavors.flatMap(\.addresses) }
}

/// The ready addresses of one flavor of one content (4-byte IPv4 or 16-byte IPv6), each
/// with the node it runs on.
public struct FlavorPool: Sendable, Hashable {
    public var flavor: String
    public var members: [PoolMember]

    public init(flavor: String, members: [PoolMember]) {
        self.flavor = flavor
        self.members = members
    }

    /// Addresses all on `node` (by default on no node a region lists: answered to clients
    /// outside every region, or when a region has nothing of its own).
    public init(flavor: String, addresses: [[UInt8]], node: String = "") {
        self.init(flavor: flavor, members: addresses.map { PoolMember(address: $0, node: node) })
    }

    public var addresses: [[UInt8]] { members.map(\.address) }
}

/// One answered address and the node (core or edge) its instance runs on.
public struct PoolMember: Sendable, Hashable {
    public var address: [UInt8]
    public var node: String

    public init(address: [UInt8], node: String) {
        self.address = address
        self.node = node
    }
}
