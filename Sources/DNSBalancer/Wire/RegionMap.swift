/// A region in the wire layer's own terms: its client networks and its edges, nearest first.
public struct RegionSpec: Sendable, Hashable {
    public var name: String
    public var clients: [ClientNetwork]
    public var edges: [String]

    public init(name: String, clients: [ClientNetwork], edges: [String]) {
        self.name = name
        self.clients = clients
        self.edges = edges
    }
}

/// A client network: address bytes (4 or 16) and a prefix length.
public struct ClientNetwork: Sendable, Hashable {
    public var bytes: [UInt8]
    public var length: Int

    public init(bytes: [UInt8], length: Int) {
        self.bytes = bytes
        self.length = length
    }
}

/// Which region a client is in, and for how wide a network around it that answer holds: one
/// binary trie per address family, built with the zone, walked once per query in
/// O(prefix length) without allocating. The longest prefix holding the client wins; a
/// client in none is in the default region (if any). The scope is the shortest prefix of
/// the client's address whose network holds no other region's prefix, so it is true for
/// every address it covers (RFC 7871 §7.2.1): a zone's own length for a client in a zone
/// with nothing nested, longer where a nested zone shares its bits, and never 0.
public struct RegionMap: Sendable {
    /// Where `locate` found a client.
    public struct Location: Sendable, Hashable {
        /// Index into the regions; nil: in no region, and there is no default.
        public let region: Int?
        public let scope: Int
    }

    private struct Node: Sendable {
        var zero: Int32 = -1
        var one: Int32 = -1
        /// The region whose prefix ends here, or -1.
        var region: Int32 = -1
    }

    public let regions: [RegionSpec]
    public let defaultRegion: Int?
    private var v4: [Node] = [Node()]
    private var v6: [Node] = [Node()]

    /// Nil when a prefix is not 4 or 16 bytes, longer than its family, has host bits set,
    /// or stands in two regions.
    public init?(regions: [RegionSpec], defaultRegion: String?) {
        self.regions = regions
        if let defaultRegion {
            guard let index = regions.firstIndex(where: { $0.name == defaultRegion }) else { return nil }
            self.defaultRegion = index
        } else {
            self.defaultRegion = nil
        }
        for (index, region) in regions.enumerated() {
            for client in region.clients {
                guard let address = ClientAddress(bytes: client.bytes), client.bytes.count == (address.family == .ipv4 ? 4 : 16),
                      (0...address.family.width).contains(client.length), Self.hostBitsClear(address.bits, length: client.length),
                      insert(address, length: client.length, region: Int32(index))
                else { return nil }
            }
        }
    }

    /// Whether the map places anyone (no regions: every client is answered alike).
    public var isEmpty: Bool { regions.isEmpty }

    /// The region of `client` and the scope of that answer.
    public func locate(_ client: ClientAddress) -> Location {
        let nodes = client.family == .ipv4 ? v4 : v6
        var node = 0
        var depth = 0
        var found = nodes[0].region
        while depth < client.family.width {
            let next = client.bit(depth) == 0 ? nodes[node].zero : nodes[node].one
            guard next >= 0 else { break }
            node = Int(next)
            depth += 1
            if nodes[node].region >= 0 { found = nodes[node].region }
        }
        // Where the walk stopped, a node with children has other prefixes below it: only the
        // one more bit that left them out is true for the whole network. Never 0: resolvers
        // cache a scope of 0 for every client of either family.
        let hasChildren = nodes[node].zero >= 0 || nodes[node].one >= 0
        let scope = hasChildren && depth < client.family.width ? depth + 1 : depth
        return Location(region: found >= 0 ? Int(found) : defaultRegion, scope: max(1, scope))
    }

    private mutating func insert(_ address: ClientAddress, length: Int, region: Int32) -> Bool {
        var nodes = address.family == .ipv4 ? v4 : v6
        defer { if address.family == .ipv4 { v4 = nodes } else { v6 = nodes } }
        var node = 0
        for depth in 0..<length {
            let bit = address.bit(depth)
            var next = bit == 0 ? nodes[node].zero : nodes[node].one
            if next < 0 {
                next = Int32(nodes.count)
                nodes.append(Node())
                if bit == 0 { nodes[node].zero = next } else { nodes[node].one = next }
            }
            node = Int(next)
        }
        guard nodes[node].region < 0 else { return false }
        nodes[node].region = region
        return true
    }

    private static func hostBitsClear(_ bits: UInt128, length: Int) -> Bool {
        length >= 128 || bits << UInt128(length) == 0
    }
}
