import AugurModel
import Foundation
import Synchronization
import Testing
@testable import DNSBalancer

/// Pool changes at run time: never half applied, never answering a removed address
/// to a query sent after the removal returned.
@Suite struct PoolChangeTests {
    /// What the probing clients saw, shared with the test.
    final class Tally: Sendable {
        let removed = Atomic<Int>(0)
        let violations = Atomic<Int>(0)
        let answered = Atomic<Int>(0)
    }

    @Test func removedAddressIsNeverAnsweredAfterRemoveReturns() async throws {
        let addresses: [[UInt8]] = (1...6).map { [127, 3, 0, UInt8($0)] }
        let balancer = try await TestBalancer.start(contents: [ContentPools(content: "video1", flavors: [FlavorPool(flavor: "nginx", addresses: addresses)])])
        defer { Task { await balancer.server.stop() } }
        let port = balancer.port
        let tally = Tally()

        let clients = (0..<3).map { _ in
            Task.detached {
                let client = try UDPClient(port: port)
                let deadline = ContinuousClock.now.advanced(by: .seconds(3))
                var id: UInt16 = 0
                while ContinuousClock.now < deadline {
                    id &+= 1
                    let removedBefore = tally.removed.load(ordering: .acquiring)
                    guard let reply = client.exchange(Wire.query("video1.cdn.example", id: id)), let response = Wire.parse(reply), response.id == id else { continue }
                    tally.answered.wrappingAdd(1, ordering: .relaxed)
                    let forbidden = Set(addresses.prefix(removedBefore))
                    if response.addresses.contains(where: forbidden.contains) { tally.violations.wrappingAdd(1, ordering: .relaxed) }
                    if response.addresses.count != addresses.count - removedBefore && response.addresses.count != addresses.count - removedBefore - 1 {
                        tally.violations.wrappingAdd(1, ordering: .relaxed)
                    }
                }
            }
        }
        for index in 0..<4 {
            try await Task.sleep(for: .milliseconds(500))
            try balancer.pools.remove(addresses[index], content: "video1", flavor: "nginx")
            tally.removed.store(index + 1, ordering: .releasing)
        }
        for client in clients { try await client.value }
        #expect(tally.answered.load(ordering: .relaxed) > 500)
        #expect(tally.violations.load(ordering: .relaxed) == 0)
        #expect(balancer.pools.contents[0].flavors[0].addresses == Array(addresses.suffix(2)))
    }

    @Test func addedAddressIsAnsweredOnceAddReturns() async throws {
        let balancer = try await TestBalancer.start()
        defer { Task { await balancer.server.stop() } }
        #expect(try await Tool.digShort(balancer.port, "video5.cdn.example").isEmpty)
        try balancer.pools.add([127, 5, 0, 1], content: "video5", flavor: "flask")
        #expect(try await Tool.digShort(balancer.port, "video5.cdn.example") == ["127.5.0.1"])
        #expect(try await Tool.digShort(balancer.port, "video5.flask.cdn.example") == ["127.5.0.1"])
    }

    @Test func invalidChangesAreRefusedAndChangeNothing() async throws {
        let balancer = try await TestBalancer.start()
        defer { Task { await balancer.server.stop() } }
        let before = balancer.pools.contents
        #expect(throws: DNSPoolError.unknownContent("video9")) { try balancer.pools.add([127, 9, 0, 1], content: "video9", flavor: "nginx") }
        #expect(throws: DNSPoolError.unknownFlavor(content: "video1", flavor: "mirage")) { try balancer.pools.add([127, 9, 0, 1], content: "video1", flavor: "mirage") }
        #expect(throws: DNSPoolError.badAddress(count: 3)) { try balancer.pools.add([127, 9, 0], content: "video1", flavor: "nginx") }
        #expect(balancer.pools.contents == before)
    }
}

extension PoolChangeTests {
    /// A change publishes only its own content's answers: every other content keeps the
    /// answers it had (the same objects, the same version), whatever the zone's size, and a
    /// batch publishes each content it touches once.
    @Test func aChangeRepublishesOnlyTheContentItTouches() throws {
        let contents = (0..<2_000).map { ContentPools(content: "c\($0)", flavors: [FlavorPool(flavor: "nginx", addresses: []), FlavorPool(flavor: "flask", addresses: [])]) }
        let pools = try DNSPools(settings: TestBalancer.settings, contents: contents)
        let before = pools.slots.map { $0.current() }
        let failures = pools.apply([
            AddressChange(address: [127, 1, 0, 1], content: "c7", flavor: "nginx", answered: true),
            AddressChange(address: [127, 1, 0, 2], content: "c7", flavor: "flask", answered: true),
            AddressChange(address: [127, 1, 0, 3], content: "c1999", flavor: "nginx", answered: true),
        ])
        #expect(failures.isEmpty)
        for (index, slot) in pools.slots.enumerated() {
            let now = slot.current()
            if index == 7 || index == 1_999 {
                #expect(now.version == before[index].version + 1, "one publication for the whole batch of c\(index)")
            } else {
                #expect(now.version == before[index].version && now.answers === before[index].answers, "c\(index) untouched")
            }
        }
        #expect(pools.pools(of: "c7")?.allAddresses == [[127, 1, 0, 1], [127, 1, 0, 2]])
        #expect(pools.pools(of: "c1999")?.flavors.first?.addresses == [[127, 1, 0, 3]])
        // A change that changes nothing publishes nothing.
        let quiet = pools.slots[7].current().version
        pools.apply([AddressChange(address: [127, 1, 0, 1], content: "c7", flavor: "nginx", answered: true)])
        #expect(pools.slots[7].current().version == quiet)
    }

    /// The zone's serial moves with every published change, and with nothing else.
    @Test func theSerialMovesWithEveryPublishedChange() async throws {
        let balancer = try await TestBalancer.start()
        defer { Task { await balancer.server.stop() } }
        func serial() async throws -> Int? {
            let fields = try await Tool.digShort(balancer.port, "cdn.example", "SOA").first?.split(separator: " ")
            return fields.flatMap { $0.count > 2 ? Int($0[2]) : nil }
        }
        let first = try #require(try await serial())
        try balancer.pools.add([127, 5, 0, 1], content: "video5", flavor: "flask")
        #expect(try await serial() == first + 1)
        try balancer.pools.add([127, 5, 0, 1], content: "video5", flavor: "flask")
        #expect(try await serial() == first + 1, "adding an address already answered changes nothing")
        try balancer.pools.remove([127, 5, 0, 1], content: "video5", flavor: "flask")
        #expect(try await serial() == first + 2)
        #expect(try await Tool.digShort(balancer.port, "video5.cdn.example").isEmpty)
    }
}

/// Two balancers never share a port.
@Suite struct PortTests {
    @Test(arguments: UDPIO.allCases)
    func aSecondServerOnATakenPortFailsInsteadOfSharingIt(udpIO: UDPIO) async throws {
        let first = try await TestBalancer.start(udpIO: udpIO)
        defer { Task { await first.server.stop() } }
        let pools = try DNSPools(settings: TestBalancer.settings, contents: TestBalancer.bigPool(3))
        let taken = try #require(SocketEndpoint("127.0.0.1:\(first.port)"))
        await #expect(throws: DNSServerError.self) {
            let second = try await DNSServer.start(pools: pools, listen: [taken], workers: 2, udpIO: udpIO)
            await second.stop()
        }
        // The first still answers every query itself.
        for _ in 0..<20 {
            #expect(try await Tool.digShort(first.port, "video1.clickos.cdn.example") == ["127.1.1.1"])
        }
    }
}
