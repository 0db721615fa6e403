import AugurModel

extension ZoneSettings {
    /// The zone as the topology describes it.
    public init(_ topology: Topology) {
        self.init(
            zone: topology.zone.description,
            ttl: topology.dns.ttl,
            maxRecords: topology.dns.maxRecords,
            maxUDPPayload: topology.dns.maxUDPPayload,
            nameservers: topology.dns.nameservers.map { NameserverSpec(label: $0.label, address: $0.address.bytes) }
        )
    }
}

extension ContentPools {
    /// One pool set per content of the catalog, every allowed flavor listed, holding the
    /// topology's static instances (what `augur dns` answers on its own).
    public static func staticPools(_ configuration: AugurConfiguration) -> [ContentPools] {
        let statics = configuration.topology.nodes.flatMap(\.staticInstances)
        return configuration.catalog.contents.map { item in
            ContentPools(content: item.name, flavors: item.flavors.map { flavor in
                FlavorPool(flavor: flavor, addresses: statics.filter { $0.content == item.name && $0.flavor == flavor }.map(\.address.bytes))
            })
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
