/// How the zone is answered, in the wire layer's own terms (no configuration types),
/// so that the packet path builds and fuzzes on its own.
public struct ZoneSettings: Sendable, Hashable {
    public var zone: String
    public var ttl: UInt32
    public var maxRecords: Int
    public var maxUDPPayload: Int
    /// Name-server labels inside the zone and their address bytes (4 or 16).
    public var nameservers: [NameserverSpec]

    public init(zone: String, ttl: UInt32, maxRecords: Int, maxUDPPayload: Int, nameservers: [NameserverSpec]) {
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

    public init(content: String, flavors: [FlavorPool]) {
        self.content = content
        self.flavors = flavors
    }

    /// Every address of every flavor, flavors in order.
    public var allAddresses: [[UInt8]] { flavors.flatMap(\.addresses) }
}

/// The ready addresses of one flavor of one content (4-byte IPv4 or 16-byte IPv6).
public struct FlavorPool: Sendable, Hashable {
    public var flavor: String
    public var addresses: [[UInt8]]

    public init(flavor: String, addresses: [[UInt8]]) {
        self.flavor = flavor
        self.addresses = addresses
    }
}
