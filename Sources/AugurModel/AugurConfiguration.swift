/// Everything an operator configures, validated as a whole: nothing starts on a bad config.
public struct AugurConfiguration: Sendable, Hashable {
    public var topology: Topology
    public var flavors: [String: Flavor]
    public var catalog: Catalog

    public init(topology: Topology, flavors: [String: Flavor], catalog: Catalog) {
        self.topology = topology
        self.flavors = flavors
        self.catalog = catalog
    }

    /// Decodes the three files (already read by the caller) in dependency order:
    /// flavors, then the catalog that names them, then the topology that names both.
    public static func decode(topology: ConfigDocument, flavors: ConfigDocument, catalog: ConfigDocument) throws(ConfigError) -> AugurConfiguration {
        let flavorTable = try FlavorsFile.decode(flavors)
        let contents = try CatalogFile.decode(catalog, flavors: flavorTable)
        let topo = try TopologyFile.decode(topology, flavors: flavorTable, catalog: contents)
        return AugurConfiguration(topology: topo, flavors: flavorTable, catalog: contents)
    }
}
