import AugurModel
import DNSBalancer
import Foundation
import Synchronization
import Testing
import Workload

/// The workload's resolver against the real balancer on loopback: answers, NXDOMAIN,
/// silence, a lost query sent again, and a truncated (slipped) answer asked again over TCP.
@Suite struct ResolverTests {
    static func balancer(rateLimit: DNSSettings.RateLimit = .off) async throws -> (DNSServer, DNSPools) {
        let settings = ZoneSettings(zone: "cdn.example.", ttl: 5, maxRecords: 8, maxUDPPayload: 1232, nameservers: [NameserverSpec(label: "ns1", address: [127, 0, 0, 1])])
        let pools = try DNSPools(settings: settings, contents: [
            ContentPools(content: "video1", flavors: [FlavorPool(flavor: "nginx", addresses: [[127, 0, 0, 1], [127, 1, 2, 2]])]),
        ])
        let server = try await DNSServer.start(pools: pools, listen: [try #require(SocketEndpoint("127.0.0.1:0"))], workers: 1, rateLimit: rateLimit)
        return (server, pools)
    }

    @Test func answersAndNXDOMAIN() async throws {
        let (server, _) = try await Self.balancer()
        // Generous: the answer is what is checked, and tests beside this one load the machine.
        let resolver = Resolver(server: server.endpoints[0], timeout: .seconds(30))
        #expect(Set(try await resolver.resolve("video1.cdn.example")) == ["127.0.0.1", "127.1.2.2"])
        await #expect(throws: WorkloadFailure.nxdomain) { try await resolver.resolve("video9.cdn.example") }
        await server.stop()
    }

    /// Every answer over the rate limit slips (TC): each lookup still gets its addresses, over
    /// TCP. The lookups go at once, so that they share a second of the limit however slow the
    /// machine (one after another, a loaded machine spread them over seconds, each its own
    /// budget).
    @Test func aSlippedAnswerIsAskedAgainOverTCP() async throws {
        let (server, pools) = try await Self.balancer(rateLimit: .init(rate: 1, slip: 1))
        let resolver = Resolver(server: server.endpoints[0], timeout: .seconds(30))
        let answers = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<10 { group.addTask { try await resolver.resolve("video1.cdn.example").count } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers == Array(repeating: 2, count: 10), "every lookup has both addresses")
        #expect(pools.counters.drain().limited >= 5, "most lookups slipped and were answered over TCP")
        await server.stop()
    }

    /// A UDP socket bound to a free loopback port, and that port.
    static func loopbackUDPSocket() -> (socket: Int32, port: Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) } }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) } }
        let port = Int(UInt16(bigEndian: address.sin_port))
        return (descriptor, port)
    }

    @Test func silenceIsATimeout() async throws {
        // A UDP socket that never answers.
        let (silent, port) = Self.loopbackUDPSocket()
        defer { close(silent) }
        let resolver = Resolver(server: try #require(SocketEndpoint("127.0.0.1:\(port)")), timeout: .milliseconds(300))
        await #expect(throws: WorkloadFailure.dnsTimeout) { try await resolver.resolve("video1.cdn.example") }
    }

    /// A server that never sees the first query (lost in a burst) answers the second: the
    /// lookup gets that answer, as a stub resolver's retry does. The answer echoes the query
    /// as a response with no address, so the lookup ends in `noAddress`, not a timeout.
    @Test func aLostQueryIsSentAgainAndItsAnswerTaken() async throws {
        let (server, port) = Self.loopbackUDPSocket()
        defer { close(server) }
        // On a thread of its own (blocking calls hold no cooperative thread): drop one, answer the next.
        let answered = Thread {
            var buffer = [UInt8](repeating: 0, count: 512)
            var peer = sockaddr_storage()
            var peerLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            _ = recv(server, &buffer, buffer.count, 0)
            let count = withUnsafeMutablePointer(to: &peer) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(server, &buffer, buffer.count, 0, $0, &peerLength) } }
            guard count > 3 else { return }
            buffer[2] |= 0x80
            _ = withUnsafePointer(to: &peer) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(server, buffer, count, 0, $0, peerLength) } }
        }
        answered.start()
        let resolver = Resolver(server: try #require(SocketEndpoint("127.0.0.1:\(port)")), timeout: .seconds(30), resendEvery: .milliseconds(50))
        await #expect(throws: WorkloadFailure.noAddress) { try await resolver.resolve("video1.cdn.example") }
    }

    /// A client site's resolver sends from its own address (the balancer places it in a
    /// region by it): the server sees the query come from 127.1.0.9, not 127.0.0.1.
    @Test func aResolverWithASourceSendsFromIt() async throws {
        let (server, port) = Self.loopbackUDPSocket()
        defer { close(server) }
        let seen = Mutex<String?>(nil)
        let answered = Thread {
            var buffer = [UInt8](repeating: 0, count: 512)
            var peer = sockaddr_in()
            var peerLength = socklen_t(MemoryLayout<sockaddr_in>.size)
            let count = withUnsafeMutablePointer(to: &peer) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(server, &buffer, buffer.count, 0, $0, &peerLength) } }
            guard count > 3 else { return }
            seen.withLock { $0 = String(cString: inet_ntoa(peer.sin_addr)) }
            buffer[2] |= 0x80
            _ = withUnsafePointer(to: &peer) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(server, buffer, count, 0, $0, peerLength) } }
        }
        answered.start()
        let resolver = Resolver(server: try #require(SocketEndpoint("127.0.0.1:\(port)")), source: IPAddress("127.1.0.9"), timeout: .seconds(30))
        await #expect(throws: WorkloadFailure.noAddress) { try await resolver.resolve("video1.cdn.example") }
        #expect(seen.withLock { $0 } == "127.1.0.9")
    }
}
