/// The topology's `regions` and `default_region`: every name a lower-case label used once,
/// every client network a prefix with no host bits that no other region (or the same one)
/// lists again, every edge one of the topology's, listed once per region.
extension TopologyFile {
    struct RegionEntry: Decodable {
        let name: String
        let clients: [String]?
        let edges: [String]
    }

    static func decodeRegions(
        _ entries: [RegionEntry], defaultRegion: String?, edges: [Node], document: ConfigDocument
    ) throws(ConfigError) -> (regions: [Region], defaultRegion: String?) {
        let edgeNames = Set(edges.map(\.name))
        var regions: [Region] = []
        var owners: [IPPrefix: String] = [:]
        for (index, entry) in entries.enumerated() {
            let path: Path = [.key("regions"), .index(index)]
            guard DomainName.isValidLabel(entry.name), entry.name == entry.name.lowercased() else {
                throw document.error(path + [.key("name")], "'\(entry.name)' is not a lower-case DNS label")
            }
            guard !regions.contains(where: { $0.name == entry.name }) else {
                throw document.error(path + [.key("name")], "duplicate region '\(entry.name)'")
            }
            var clients: [IPPrefix] = []
            for (clientIndex, text) in (entry.clients ?? []).enumerated() {
                let clientPath = path + [.key("clients"), .index(clientIndex)]
                guard let prefix = IPPrefix(text) else {
                    throw document.error(clientPath, "'\(text)' is not a network prefix such as 10.1.0.0/16 or 2001:db8:1::/48 (no host bits set)")
                }
                // DNS places a client with an IPv4-mapped address (::ffff:a.b.c.d) by its IPv4 address.
                if case .v6(let bits) = prefix.network, bits >> 32 == 0xFFFF, prefix.prefixLength >= 96 {
                    throw document.error(clientPath, "'\(text)' is IPv4-mapped: write it as the IPv4 network \(IPAddress.v4(UInt32(truncatingIfNeeded: bits)))/\(prefix.prefixLength - 96) (such clients are placed by their IPv4 address)")
                }
                if let owner = owners.updateValue(entry.name, forKey: prefix) {
                    throw document.error(clientPath, "\(prefix) is already region '\(owner)''s: a client network belongs to one region")
                }
                clients.append(prefix)
            }
            guard !entry.edges.isEmpty else { throw document.error(path + [.key("edges")], "a region needs at least one edge, nearest first") }
            for (edgeIndex, edge) in entry.edges.enumerated() {
                guard edgeNames.contains(edge) else {
                    let known = edges.map(\.name).joined(separator: ", ")
                    throw document.error(path + [.key("edges"), .index(edgeIndex)], "unknown edge '\(edge)' (edges: \(known); the core answers after every region's edges)")
                }
                guard !entry.edges[..<edgeIndex].contains(edge) else {
                    throw document.error(path + [.key("edges"), .index(edgeIndex)], "edge '\(edge)' is listed twice")
                }
            }
            regions.append(Region(name: entry.name, clients: clients, edges: entry.edges))
        }
        if let defaultRegion, !regions.contains(where: { $0.name == defaultRegion }) {
            throw document.error([.key("default_region")], "unknown region '\(defaultRegion)' (regions: \(regions.map(\.name).joined(separator: ", ")))")
        }
        for (index, region) in regions.enumerated() where region.clients.isEmpty && region.name != defaultRegion {
            throw document.error([.key("regions"), .index(index), .key("clients")], "region '\(region.name)' has no client networks and is not the default_region: no client would be in it")
        }
        return (regions, defaultRegion)
    }
}
