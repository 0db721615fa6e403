/// Which region and which node an address belongs to, and where a region's client site sends from.
extension Topology {
    /// The region a client address is in: the region whose prefix holding it is the longest
    /// (nil: in none). A linear scan for views and replays; DNS answers from its own table.
    public func region(of address: IPAddress) -> Region? {
        var best: (region: Region, length: Int)?
        for region in regions {
            for prefix in region.clients where prefix.contains(address) && prefix.prefixLength > (best?.length ?? -1) {
                best = (region, prefix.prefixLength)
            }
        }
        return best?.region
    }

    /// The address a client site of `region` sends from (a replay's users, the testbed's site
    /// namespace): the first host of the region's IPv4 prefixes that is in this region and
    /// not in a nested one; nil when it has none among the first 256 hosts of each prefix.
    public func siteAddress(of region: Region) -> IPAddress? {
        for prefix in region.clients where !prefix.network.isV6 {
            if let address = prefix.hostAddresses(limit: 256).first(where: { self.region(of: $0)?.name == region.name }) { return address }
        }
        return nil
    }

    /// The node whose pools or static instances hold `address` (nil: none of this topology's).
    public func node(serving address: String) -> String? {
        guard let address = IPAddress(address) else { return nil }
        return nodes.first { node in
            node.pools.values.contains { $0.contains(address) } || node.staticInstances.contains { $0.address == address }
        }?.name
    }
}
