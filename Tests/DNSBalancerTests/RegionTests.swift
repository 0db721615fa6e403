import Foundation
import Testing
@testable import DNSBalancer

/// Clients answered by the edges near them: where a client is (the longest prefix, with a
/// scope true for every address it covers), which edge's instances it gets (the nearest with
/// some, the next once that one's share is spent, then the core's), and the EDNS Client
/// Subnet option read from the query and echoed with that scope.
@Suite struct RegionTests {
    static let north = RegionSpec(
        name: "north", clients: [ClientNetwork(bytes: [10, 1, 0, 0], length: 16), ClientNetwork(bytes: [0x20, 0x01, 0x0d, 0xb8, 0, 1] + Array(repeating: 0, count: 10), length: 48)],
        edges: ["edge-1", "edge-2"])
    static let south = RegionSpec(name: "south", clients: [ClientNetwork(bytes: [10, 2, 0, 0], length: 16)], edges: ["edge-3"])
    /// Nested inside north's 10.1.0.0/16.
    static let harbour = RegionSpec(name: "harbour", clients: [ClientNetwork(bytes: [10, 1, 5, 0], length: 24)], edges: ["edge-2"])

    static func address(_ bytes: [UInt8]) throws -> ClientAddress { try #require(ClientAddress(bytes: bytes)) }

    @Test func theLongestPrefixPlacesAClientWithAScopeThatHoldsForItsWholeNetwork() throws {
        let map = try #require(RegionMap(regions: [Self.north, Self.south, Self.harbour], defaultRegion: nil))
        // In north, beside the nested harbour: the /22 around 10.1.2.3 holds no other zone
        // (it shares harbour's 10.1.5.0/24 first 21 bits), the /17 around 10.1.200.3 neither.
        #expect(map.locate(try Self.address([10, 1, 2, 3])) == .init(region: 0, scope: 22))
        #expect(map.locate(try Self.address([10, 1, 200, 3])) == .init(region: 0, scope: 17))
        #expect(map.locate(try Self.address([10, 1, 5, 9])) == .init(region: 2, scope: 24))
        #expect(map.locate(try Self.address([10, 2, 200, 1])) == .init(region: 1, scope: 16))
        // In no zone: the network left out of every zone at the first bit it differs, never 0.
        #expect(map.locate(try Self.address([192, 0, 2, 1])) == .init(region: nil, scope: 1))
        #expect(map.locate(try Self.address([10, 3, 0, 1])) == .init(region: nil, scope: 16))
        #expect(map.locate(try Self.address([10, 4, 0, 1])) == .init(region: nil, scope: 14))
        // IPv6, and IPv4-mapped IPv6 read as IPv4.
        let v6 = [0x20, 0x01, 0x0d, 0xb8, 0, 1] + Array(repeating: UInt8(0), count: 9) + [5]
        #expect(map.locate(try Self.address(v6)) == .init(region: 0, scope: 48))
        let elsewhere = [0x20, 0x01, 0x0d, 0xb8, 0, 2] + Array(repeating: UInt8(0), count: 10)
        #expect(map.locate(try Self.address(elsewhere)) == .init(region: nil, scope: 47))
        #expect(map.locate(try Self.address(Array(repeating: 0, count: 10) + [0xFF, 0xFF, 10, 2, 0, 1])) == .init(region: 1, scope: 16))
        // A default region takes whoever is in none.
        let withDefault = try #require(RegionMap(regions: [Self.north, Self.south], defaultRegion: "south"))
        #expect(withDefault.locate(try Self.address([192, 0, 2, 1])).region == 1)
    }

    @Test func aPrefixTwiceOrWithHostBitsIsRefused() {
        let twice = RegionSpec(name: "again", clients: [ClientNetwork(bytes: [10, 1, 0, 0], length: 16)], edges: ["edge-9"])
        #expect(RegionMap(regions: [Self.north, twice], defaultRegion: nil) == nil)
        let hostBits = RegionSpec(name: "host", clients: [ClientNetwork(bytes: [10, 1, 0, 1], length: 16)], edges: ["edge-9"])
        #expect(RegionMap(regions: [hostBits], defaultRegion: nil) == nil)
        #expect(RegionMap(regions: [Self.north], defaultRegion: "nowhere") == nil)
        #expect((try? DNSPools(settings: Self.settings(regions: [Self.north, twice]), contents: [])) == nil)
    }

    static func settings(regions: [RegionSpec], defaultRegion: String? = nil) -> ZoneSettings {
        var settings = TestBalancer.settings
        settings.regions = regions
        settings.defaultRegion = defaultRegion
        settings.core = "core"
        return settings
    }

    /// video1 on two north edges, one south edge and the core; one instance serves 3 lookups an interval.
    static let spread = [
        ContentPools(
            content: "video1",
            flavors: [
                FlavorPool(flavor: "nginx", members: [
                    PoolMember(address: [127, 1, 0, 1], node: "edge-1"), PoolMember(address: [127, 2, 0, 1], node: "edge-2"),
                    PoolMember(address: [127, 3, 0, 1], node: "edge-3"), PoolMember(address: [127, 9, 0, 1], node: "core"),
                ]),
                FlavorPool(flavor: "clickos", members: [PoolMember(address: [127, 2, 1, 1], node: "edge-2")]),
            ],
            lookupsPerInstance: 3)
    ]

    /// A query for `name` with a client subnet option of `family`, `source` bits and `address`.
    static func query(_ name: String, subnet: (family: UInt16, source: UInt8, address: [UInt8])?) -> [UInt8] {
        var bytes = Wire.query(name, edns: 1232)
        guard let subnet else { return bytes }
        let option: [UInt8] = [0, 8, 0, UInt8(4 + subnet.address.count), 0, UInt8(subnet.family), subnet.source, 0] + subnet.address
        bytes[bytes.count - 2] = 0
        bytes[bytes.count - 1] = UInt8(option.count)
        return bytes + option
    }

    /// The reply's addresses and its client subnet option's bytes (family, source, scope, address).
    static func exchange(_ responder: DNSResponder, _ query: [UInt8], client: [UInt8] = [127, 0, 0, 1]) throws -> (addresses: Set<[UInt8]>, rcode: Int, subnet: [UInt8]?) {
        var out = [UInt8](repeating: 0, count: 1232)
        let from = try Self.address(client)
        let length = query.withUnsafeBytes { raw in out.withUnsafeMutableBytes { responder.respond(to: raw, over: .udp, into: $0, client: from) } }
        let reply = Array(out[0..<length])
        let parsed = try #require(Wire.parse(reply))
        let options = try reply.withUnsafeBytes { raw in try LDNSPacket(parsing: raw).withEDNSOptions { Array($0) } }
        let subnet = options.count >= 4 && options[1] == 8 ? Array(options.dropFirst(4)) : nil
        return (Set(parsed.addresses), parsed.rcode, subnet)
    }

    @Test func aRegionsNearestEdgeAnswersUntilItsShareIsSpentThenTheNextThenTheCore() throws {
        let pools = try DNSPools(settings: Self.settings(regions: [Self.north, Self.south]), contents: Self.spread)
        let responder = DNSResponder(pools: pools)
        let north = Self.query("video1.cdn.example", subnet: (1, 24, [10, 1, 2]))
        // edge-1 has one instance (3 lookups), then edge-2's two join (6 more), then the core's.
        var answers: [Set<[UInt8]>] = []
        for _ in 0..<11 { answers.append(try Self.exchange(responder, north).addresses) }
        let edge1: Set<[UInt8]> = [[127, 1, 0, 1]]
        let edges12: Set<[UInt8]> = [[127, 1, 0, 1], [127, 2, 0, 1], [127, 2, 1, 1]]
        #expect(answers[0..<3].allSatisfy { $0 == edge1 })
        #expect(answers[3..<9].allSatisfy { $0 == edges12 })
        #expect(answers[9..<11].allSatisfy { $0 == edges12.union([[127, 9, 0, 1]]) })
        // The flavor's name: only edge-2 has a clickos instance.
        #expect(try Self.exchange(responder, Self.query("video1.clickos.cdn.example", subnet: (1, 24, [10, 1, 2]))).addresses == [[127, 2, 1, 1]])
        // South's client: edge-3. A client in no region and no subnet: every instance.
        #expect(try Self.exchange(responder, Self.query("video1.cdn.example", subnet: (1, 16, [10, 2]))).addresses == [[127, 3, 0, 1]])
        #expect(try Self.exchange(responder, Self.query("video1.cdn.example", subnet: nil)).addresses.count == 5)
        // Without a subnet, the query's source places the client.
        #expect(try Self.exchange(responder, Self.query("video1.cdn.example", subnet: nil), client: [10, 2, 9, 9]).addresses == [[127, 3, 0, 1]])
        // Each region's lookups are counted apart (a client in none only in the total), and
        // the next interval gives edge-1 its share again.
        let counted = try #require(pools.counters.drain().contents["video1"])
        #expect(counted.total == 15 && counted.byRegion == ["north": 12, "south": 2], "\(counted)")
        #expect(try Self.exchange(responder, north).addresses == edge1)
        // A larger share per instance (a content change) keeps edge-1 alone for longer.
        try pools.setLookupsPerInstance(100, content: "video1")
        for _ in 0..<20 { #expect(try Self.exchange(responder, north).addresses == edge1) }
    }

    @Test func theSubnetIsEchoedWithTheScopeOfTheAnswer() throws {
        let pools = try DNSPools(settings: Self.settings(regions: [Self.north, Self.south, Self.harbour]), contents: Self.spread)
        let responder = DNSResponder(pools: pools)
        // family 1, source 24, scope 22 (harbour is nested in north), the address as sent.
        let north = try Self.exchange(responder, Self.query("video1.cdn.example", subnet: (1, 24, [10, 1, 2])))
        #expect(north.subnet == [0, 1, 24, 22, 10, 1, 2])
        let harbour = try Self.exchange(responder, Self.query("video1.cdn.example", subnet: (1, 24, [10, 1, 5])))
        #expect(harbour.subnet == [0, 1, 24, 24, 10, 1, 5] && harbour.addresses == [[127, 2, 0, 1], [127, 2, 1, 1]])
        // Source 0: the resolver's own address places it, and the answer is marked good for all (scope 0).
        let anonymous = try Self.exchange(responder, Self.query("video1.cdn.example", subnet: (1, 0, [])), client: [10, 2, 0, 7])
        #expect(anonymous.subnet == [0, 1, 0, 0] && anonymous.addresses == [[127, 3, 0, 1]])
        // IPv6.
        let v6 = try Self.exchange(responder, Self.query("video1.cdn.example", subnet: (2, 56, [0x20, 0x01, 0x0d, 0xb8, 0, 1, 0])))
        #expect(v6.subnet == [0, 2, 56, 48, 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0] && v6.addresses == [[127, 1, 0, 1]])
        // Answers that do not depend on the client (NXDOMAIN, SOA) echo scope 0.
        let unknown = try Self.exchange(responder, Self.query("nothing.cdn.example", subnet: (1, 24, [10, 1, 2])))
        #expect(unknown.rcode == 3 && unknown.subnet == [0, 1, 24, 0, 10, 1, 2])
        // Without regions, a content's answer is the same everywhere: scope 0.
        let plain = DNSResponder(pools: try DNSPools(settings: Self.settings(regions: []), contents: Self.spread))
        #expect(try Self.exchange(plain, Self.query("video1.cdn.example", subnet: (1, 24, [10, 1, 2]))).subnet == [0, 1, 24, 0, 10, 1, 2])
    }

    @Test func digAndKdigSeeTheRegionsAnswerAndScope() async throws {
        let balancer = try await TestBalancer.start(contents: Self.spread, settings: Self.settings(regions: [Self.north, Self.south, Self.harbour]))
        defer { Task { await balancer.server.stop() } }
        let south = try await Tool.digShort(balancer.port, "+subnet=10.2.3.0/24", "video1.cdn.example")
        #expect(south == ["127.3.0.1"])
        let dig = try await Tool.dig(balancer.port, "+subnet=10.1.2.0/24", "video1.cdn.example")
        #expect(dig.contains("CLIENT-SUBNET: 10.1.2.0/24/22"), "\(dig)")
        let kdig = try await Tool.run("kdig", ["@127.0.0.1", "-p", "\(balancer.port)", "+time=2", "+retry=0", "+subnet=10.1.5.0/24", "video1.cdn.example"])
        #expect(kdig.contains("10.1.5.0/24/24"), "\(kdig)")
        #expect(kdig.contains("127.2.0.1") && !kdig.contains("127.1.0.1"), "\(kdig)")
    }
}
