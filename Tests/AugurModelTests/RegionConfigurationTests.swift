@testable import AugurModel
import Foundation
import Testing
import TestSupport

/// The topology's regions: where clients are and which edges are near them, each mistake
/// refused with its file, line and field.
@Suite struct RegionConfigurationTests {
    static let regions = """

    regions:
      - name: north
        clients: [10.1.0.0/16, 2001:db8:1::/48]
        edges: [edge-1, edge-2]
      - name: harbour
        clients: [10.1.5.0/24]
        edges: [edge-2]
      - name: south
        clients: [10.2.0.0/16]
        edges: [edge-3, edge-4]
    default_region: north

    """

    static func decode(_ regions: String) throws(ConfigError) -> Topology {
        try RepositoryFiles.decode(editing: "Topology/paper-testbed.yaml") { $0 + regions }.topology
    }

    static func failure(_ regions: String) -> ConfigError? {
        do {
            _ = try decode(regions)
            return nil
        } catch {
            return error
        }
    }

    @Test func regionsAreReadWithNestedPrefixesAndADefault() throws {
        let topology = try Self.decode(Self.regions)
        #expect(topology.regions.map(\.name) == ["north", "harbour", "south"])
        #expect(topology.regions[0].clients.map(\.description) == ["10.1.0.0/16", "2001:db8:1:0:0:0:0:0/48"])
        #expect(topology.regions[2].edges == ["edge-3", "edge-4"])
        #expect(topology.defaultRegion == "north")
        // Without regions: none, and no default.
        let plain = try RepositoryFiles.decode().topology
        #expect(plain.regions.isEmpty && plain.defaultRegion == nil)
    }

    @Test func eachMistakeNamesItsFileLineAndField() throws {
        let samePrefix = try #require(Self.failure(Self.regions.replacingOccurrences(of: "[10.2.0.0/16]", with: "[10.1.0.0/16]")))
        #expect(samePrefix.field == "regions[2].clients[0]" && samePrefix.reason.contains("already region 'north'"), "\(samePrefix)")
        #expect(samePrefix.file == "Topology/paper-testbed.yaml" && samePrefix.line != nil)
        let unknownEdge = try #require(Self.failure(Self.regions.replacingOccurrences(of: "[edge-3, edge-4]", with: "[edge-3, edge-9]")))
        #expect(unknownEdge.field == "regions[2].edges[1]" && unknownEdge.reason.contains("unknown edge 'edge-9'"), "\(unknownEdge)")
        let core = try #require(Self.failure(Self.regions.replacingOccurrences(of: "[edge-3, edge-4]", with: "[core]")))
        #expect(core.field == "regions[2].edges[0]", "\(core)")
        let badPrefix = try #require(Self.failure(Self.regions.replacingOccurrences(of: "10.1.5.0/24", with: "10.1.5.0/33")))
        #expect(badPrefix.field == "regions[1].clients[0]" && badPrefix.reason.contains("not a network prefix"), "\(badPrefix)")
        let hostBits = try #require(Self.failure(Self.regions.replacingOccurrences(of: "10.1.5.0/24", with: "10.1.5.7/24")))
        #expect(hostBits.field == "regions[1].clients[0]", "\(hostBits)")
        let mapped = try #require(Self.failure(Self.regions.replacingOccurrences(of: "[10.1.5.0/24]", with: #"["::ffff:a01:500/120"]"#)))
        #expect(mapped.field == "regions[1].clients[0]" && mapped.reason.contains("IPv4 network 10.1.5.0/24"), "\(mapped)")
        let twice = try #require(Self.failure(Self.regions.replacingOccurrences(of: "[edge-3, edge-4]", with: "[edge-3, edge-3]")))
        #expect(twice.reason.contains("listed twice"), "\(twice)")
        let duplicate = try #require(Self.failure(Self.regions.replacingOccurrences(of: "name: harbour", with: "name: north")))
        #expect(duplicate.field == "regions[1].name", "\(duplicate)")
        let unknownDefault = try #require(Self.failure(Self.regions.replacingOccurrences(of: "default_region: north", with: "default_region: west")))
        #expect(unknownDefault.field == "default_region" && unknownDefault.reason.contains("unknown region 'west'"), "\(unknownDefault)")
        let misspelt = try #require(Self.failure(Self.regions.replacingOccurrences(of: "clients: [10.2.0.0/16]", with: "client: [10.2.0.0/16]")))
        #expect(misspelt.reason.contains("clients"), "\(misspelt)")
    }
}
