import Foundation
import Testing
@testable import DNSBalancer

/// Summoning at the DNS, bounded: a lookup past ready capacity is held while an instance is
/// on its way, answered with it when it is ready, and never past the bound; counted once.
/// Checked with `dig` (its own "Query time"), against the UDP batch listener.
@Suite struct HoldTests {
    /// What dig saw: the answered addresses and its query time.
    static func lookup(_ port: Int) async throws -> (addresses: Set<String>, milliseconds: Int) {
        let text = try await Tool.dig(port, "video1.cdn.example", "A", "+time=15")
        let time = text.split(separator: "\n").first { $0.contains("Query time:") }.flatMap { line in
            line.split(separator: " ").compactMap { Int($0) }.first
        }
        let addresses = text.split(separator: "\n").filter { !$0.hasPrefix(";") && $0.contains("\tA\t") }.compactMap { $0.split(separator: "\t").last.map(String.init) }
        return (Set(addresses), try #require(time, "\(text)"))
    }

    static let ready: Set<String> = ["127.1.2.1", "127.1.2.2", "127.1.2.3", "127.1.1.1"]

    @Test func aHeldLookupIsAnsweredWithTheNewInstanceWhenItIsReady() async throws {
        let balancer = try await TestBalancer.start()
        defer { Task { await balancer.server.stop() } }
        let gate = try #require(balancer.pools.counters.gate("video1"))
        _ = balancer.pools.counters.drain()
        // Nothing ready is enough (0 lookups served), an instance is expected within the bound
        // (a long one: the test's own steps may be slow on a busy machine).
        gate.update(readyLookups: 0, readyIn: .seconds(8), bound: .seconds(10))
        let asked = Task { try await Self.lookup(balancer.port) }
        // The lookup has arrived (counted at first sight) and is held; then the instance is ready.
        for _ in 0..<500 where balancer.pools.counters.peek()["video1"] != 1 { try await Task.sleep(for: .milliseconds(10)) }
        try await Task.sleep(for: .milliseconds(100))
        try balancer.pools.add([127, 1, 1, 9], content: "video1", flavor: "clickos")
        gate.update(readyLookups: 20, readyIn: nil, bound: .seconds(10))
        let (addresses, milliseconds) = try await asked.value
        #expect(addresses.contains("127.1.1.9"), "answered with the new instance: \(addresses)")
        #expect(milliseconds >= 100 && milliseconds < 10_000, "held until it was ready, not to the bound: \(milliseconds) ms")
        #expect(balancer.pools.counters.peek()["video1"] == 1, "a held lookup is counted once")
    }

    @Test func aLookupIsNeverHeldPastTheBound() async throws {
        let balancer = try await TestBalancer.start()
        defer { Task { await balancer.server.stop() } }
        let gate = try #require(balancer.pools.counters.gate("video1"))
        gate.update(readyLookups: 0, readyIn: .milliseconds(350), bound: .milliseconds(400))
        let (addresses, milliseconds) = try await Self.lookup(balancer.port)
        #expect(addresses == Self.ready, "what is ready at the hold's end")
        #expect(milliseconds >= 380 && milliseconds <= 400 + 250, "held to the bound and no longer: \(milliseconds) ms")
    }

    @Test(arguments: [
        (Duration?.none, 20, "nothing is on its way"),
        (Duration?.some(.seconds(3)), 20, "what is on its way comes after the bound"),
        (Duration?.some(.milliseconds(500)), 100, "the ready instances are not full"),
    ])
    func aLookupIsAnsweredAtOnce(_ readyIn: Duration?, _ readyLookups: Int, _ why: String) async throws {
        let balancer = try await TestBalancer.start()
        defer { Task { await balancer.server.stop() } }
        let gate = try #require(balancer.pools.counters.gate("video1"))
        // 20 lookups already this interval.
        let client = try UDPClient(port: balancer.port)
        for _ in 0..<20 { _ = client.exchange(Wire.query("video1.cdn.example")) }
        gate.update(readyLookups: readyLookups, readyIn: readyIn, bound: .seconds(2))
        let (addresses, milliseconds) = try await Self.lookup(balancer.port)
        #expect(addresses == Self.ready && milliseconds < 1_000, "\(why): \(milliseconds) ms")
    }

    /// With regions, a region's client is held by its region's gate and count once the loop
    /// set it: north's clients wait for the instance on its way to north's edge; south's,
    /// whose gate has nothing on its way, and a client in no region (the content's gate,
    /// never set) are answered at once.
    @Test func aRegionsClientsAreHeldByTheirRegionsGate() throws {
        let pools = try DNSPools(settings: RegionTests.settings(regions: [RegionTests.north, RegionTests.south]), contents: RegionTests.spread)
        let responder = DNSResponder(pools: pools)
        pools.counters.gate("video1", region: "north").update(readyLookups: 0, readyIn: .seconds(5), bound: .seconds(10))
        pools.counters.gate("video1", region: "south").update(readyLookups: 0, readyIn: nil, bound: .seconds(10))
        func respond(_ query: [UInt8], client: [UInt8]) throws -> Int {
            var out = [UInt8](repeating: 0, count: 1232)
            let from = try RegionTests.address(client)
            return query.withUnsafeBytes { raw in out.withUnsafeMutableBytes { responder.respond(to: raw, over: .udp, into: $0, holding: true, client: from) } }
        }
        let name = "video1.cdn.example"
        #expect(try respond(RegionTests.query(name, subnet: (1, 24, [10, 1, 2])), client: [127, 0, 0, 1]) == 0 && responder.held != nil, "north waits")
        #expect(try respond(RegionTests.query(name, subnet: (1, 24, [10, 2, 3])), client: [127, 0, 0, 1]) > 0 && responder.held == nil, "south is answered")
        #expect(try respond(RegionTests.query(name, subnet: nil), client: [127, 0, 0, 1]) > 0 && responder.held == nil, "no region: the content's gate")
        // North's instance is ready: its gate says so, and north's next client is answered.
        pools.counters.gate("video1", region: "north").update(readyLookups: 20, readyIn: nil, bound: .seconds(10))
        #expect(try respond(RegionTests.query(name, subnet: (1, 24, [10, 1, 2])), client: [127, 0, 0, 1]) > 0 && responder.held == nil)
        #expect(pools.counters.drain().contents["video1"]?.byRegion["north"] == 2, "a held lookup is counted once")
    }
}
