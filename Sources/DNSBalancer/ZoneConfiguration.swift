import AugurModel

extension ZoneSettings {
    /// The zone as the topology describes it.
    public init(_ topology: Topology) {
        self.init(
            zone: topology.zone.description,
            ttl: topology.dns.ttl,
            maxRecords: topology.dns.maxRecords,
            maxUDPPayload: topology.dns.maxUDPPayload,
            nameservers: topology.dns.nameservers.map { NameserverSpec(label: $0.label, address: $0.address.bytes) },
            regions: topology.regions.map { region in
                RegionSpec(name: region.name, clients: region.clients.map { ClientNetwork(bytes: $0.network.bytes, length: $0.prefixLength) }, edges: region.edges)
            },
            defaultRegion: topology.defaultRegion,
            core: topology.core.name
        )
    }
}

extension ContentPools {
    /// One pool set per content of the catalog, every allowed flavor listed, holding the
    /// topology's static instances (what `augur dns` answers on its own).
    public static func staticPools(_ configuration: AugurConfiguration) -> [ContentPools] {
        // Grouped once: a scan of every static instance per content is quadratic in the catalog.
        let statics = Dictionary(grouping: configuration.topology.nodes.flatMap { node in node.staticInstances.map { (node: node.name, instance: $0) } }, by: \.instance.content)
        return configuration.catalog.contents.map { item in
            let mine = statics[item.name] ?? []
            return ContentPools(
                content: item.name,
                flavors: item.flavors.map { flavor in
                    FlavorPool(flavor: flavor, members: mine.filter { $0.instance.flavor == flavor }.map { PoolMember(address: $0.instance.address.bytes, node: $0.node) })
                },
                lookupsPerInstance: item.capacity)
        }
    }
}

extension DNSPools {
    /// Starts answering `address` for `content` with `flavor`.
    public func add(_ address: IPAddress, content: String, flavor: String) throws(DNSPoolError) {
        try add(address.bytes, content: content, flavor: flavor)
    }

    /// Stops answering `address` for `content` with `flavor`; returns once no new query can see it.
    public func remove(_ address: IPAddress, content: String, flavor: String) throws(DNSPoolError) {
        try remove(address.bytes, content: content, flavor: flavor)
    }
}
