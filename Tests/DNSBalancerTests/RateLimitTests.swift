import AugurModel
import Foundation
import TestSupport
import Testing
@testable import DNSBalancer

/// Response rate limiting: the bucket arithmetic, the source prefixes, the slip answer, and
/// a real flood from one address while other sources are still answered.
@Suite struct RateLimitTests {
    @Test func overTheRateEverySlipthIsTruncatedAndTheRestDropped() {
        let limiter = ResponseRateLimiter(.init(rate: 3, slip: 2))
        let key = SourcePrefix.key(ipv4: (10, 1, 2))
        let verdicts = (0..<7).map { _ in limiter.verdict(for: key, second: 100) }
        #expect(verdicts == [.answer, .answer, .answer, .drop, .slip, .drop, .slip])
        #expect(limiter.verdict(for: key, second: 101) == .answer, "a new second starts a new count")
        #expect(limiter.verdict(for: SourcePrefix.key(ipv4: (10, 1, 3)), second: 100) == .answer, "another /24 has its own bucket")
        #expect(limiter.verdict(for: 0, second: 100) == .answer, "an unknown source is never limited")

        let allSlip = ResponseRateLimiter(.init(rate: 1, slip: 1))
        #expect((0..<4).map { _ in allSlip.verdict(for: key, second: 1) } == [.answer, .slip, .slip, .slip])
        let allDrop = ResponseRateLimiter(.init(rate: 1, slip: 0))
        #expect((0..<3).map { _ in allDrop.verdict(for: key, second: 1) } == [.answer, .drop, .drop])
        let off = ResponseRateLimiter(.off)
        #expect((0..<1_000).allSatisfy { _ in off.verdict(for: key, second: 1) == .answer })
    }

    /// A prefix chosen to collide with the victim's bucket (here every prefix collides: two
    /// buckets in all) alternated with the victim's queries never resets the victim's count.
    @Test func aCollidingPrefixNeverLowersTheVictimsCount() {
        let limiter = ResponseRateLimiter(.init(rate: 5, slip: 0), bucketBits: 1)
        let victim = SourcePrefix.key(ipv4: (198, 51, 100))
        var verdicts: [ResponseRateLimiter.Verdict] = []
        for index in 0..<20 {
            verdicts.append(limiter.verdict(for: victim, second: 7))
            _ = limiter.verdict(for: SourcePrefix.key(ipv4: (203, 0, UInt8(index))), second: 7)
        }
        // The colliders may share the victim's bucket and raise its count; they never lower it.
        let firstDrop = verdicts.firstIndex(of: .drop) ?? verdicts.count
        #expect(firstDrop <= 5 && verdicts[firstDrop...].allSatisfy { $0 == .drop }, "once over the rate, the victim stays limited: \(verdicts)")
    }

    /// The bucket a prefix lands in depends on the limiter's own secret: an attacker cannot
    /// compute a collision offline.
    @Test func theBucketHashIsKeyedPerLimiter() {
        let keys = (0..<64).map { SourcePrefix.key(ipv4: (10, 0, UInt8($0))) }
        let one = ResponseRateLimiter(.nsd)
        let other = ResponseRateLimiter(.nsd)
        #expect(keys.map { one.place($0).first } != keys.map { other.place($0).first })
        #expect(keys.map { one.place($0).first } == keys.map { one.place($0).first }, "stable within one limiter")
    }

    /// A count from 65,536 seconds ago (a 16-bit stamp's wrap) is not this second's.
    @Test func anOldCountIsNeverTakenForThisSeconds() {
        let limiter = ResponseRateLimiter(.init(rate: 2, slip: 0))
        let key = SourcePrefix.key(ipv4: (192, 0, 2))
        #expect((0..<3).map { _ in limiter.verdict(for: key, second: 100) } == [.answer, .answer, .drop])
        #expect(limiter.verdict(for: key, second: 100 + 65_536) == .answer)
        #expect(limiter.verdict(for: key, second: 100 &+ 1 << 24) == .answer)
    }

    @Test func sourcesShareABucketByTheir24Or56() {
        #expect(SourcePrefix.key(ipv4: (192, 0, 2)) != SourcePrefix.key(ipv4: (192, 0, 3)))
        func v6(_ bytes: [UInt8]) -> UInt64 { bytes.withUnsafeBytes { SourcePrefix.key(ipv6: $0) } }
        let a: [UInt8] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0x12, 0x34] + Array(repeating: 0, count: 7) + [1]
        var b = a
        b[7] = 0xff
        b[15] = 9
        var c = a
        c[6] = 0x13
        #expect(v6(a) == v6(b), "same /56")
        #expect(v6(a) != v6(c), "another /56")
        let mapped: [UInt8] = Array(repeating: 0, count: 10) + [0xff, 0xff, 192, 0, 2, 77]
        #expect(v6(mapped) == SourcePrefix.key(ipv4: (192, 0, 2)), "an IPv4-mapped address counts as its IPv4 /24")
    }

    /// The slip answer is the query's header and question, flagged QR AA TC, with no records.
    @Test func aSlippedQueryGetsAnEmptyTruncatedAnswerAndIsNotCountedAsDemand() throws {
        let pools = try DNSPools(settings: TestBalancer.settings, contents: TestBalancer.standardContents)
        let responder = DNSResponder(pools: pools, limiter: ResponseRateLimiter(.init(rate: 1, slip: 1)))
        let query = Wire.query("VIDEO1.cdn.example", id: 0xBEEF)
        var out = [UInt8](repeating: 0, count: 1_232)
        let key = SourcePrefix.key(ipv4: (127, 0, 0))
        func ask() -> Wire.Response? {
            let length = query.withUnsafeBytes { raw in out.withUnsafeMutableBytes { responder.respond(to: raw, over: .udp, source: key, second: 7, into: $0) } }
            return Wire.parse(Array(out[0..<length]))
        }
        let first = try #require(ask())
        #expect(!first.truncated && first.addresses.count == 4)
        let slipped = try #require(ask())
        #expect(slipped.id == 0xBEEF && slipped.truncated && slipped.flags & 0x8400 == 0x8400, "QR and AA")
        #expect(slipped.counts == [1, 0, 0, 0] && slipped.addresses.isEmpty)
        let length = query.withUnsafeBytes { raw in out.withUnsafeMutableBytes { responder.respond(to: raw, over: .udp, source: key, second: 7, into: $0) } }
        #expect(Array(out[12..<length]) == Array(query[12...]), "the question, letter case and all")
        // Over TCP nothing is limited.
        let overTCP = query.withUnsafeBytes { raw in out.withUnsafeMutableBytes { responder.respond(to: raw, over: .tcp, source: key, second: 7, into: $0) } }
        #expect(Wire.parse(Array(out[0..<overTCP]))?.addresses.count == 4)
        let counts = pools.counters.drain()
        #expect(counts.contents["video1"]?.total == 2, "the answered UDP query and the TCP one")
        #expect(counts.limited == 2)
    }

    /// dnsperf floods from 127.0.0.1 far over the limit: it loses queries (dropped) and the
    /// server counts them as limited, while dig from another /24 (127.1.0.1) is answered
    /// every time, and dig from the flooded /24 still gets its answer over TCP after a slip.
    @Test(.timeLimit(.minutes(2)), arguments: [UDPIO.batch, .nio])
    func aFloodFromOneAddressIsLimitedWhileOthersAreAnswered(udpIO: UDPIO) async throws {
        let balancer = try await TestBalancer.start(workers: 2, udpIO: udpIO, rateLimit: .init(rate: 50, slip: 2))
        let port = balancer.port
        let directory = Testbed.temporaryDirectory("rrl")
        let queries = directory.appendingPathComponent("queries")
        try String(repeating: "video1.cdn.example A\n", count: 100).write(to: queries, atomically: true, encoding: .utf8)
        let flood = Task {
            try await Tool.run("dnsperf", ["-s", "127.0.0.1", "-p", "\(port)", "-d", queries.path, "-l", "10", "-Q", "3000", "-c", "4", "-t", "1"])
        }
        try await Task.sleep(for: .milliseconds(500))
        // From the flooded /24: a slip makes dig retry over TCP and get the answer (a dropped
        // query times out; the flood lasts long enough for a slip to come).
        var viaTCP = false
        for _ in 0..<30 where !viaTCP {
            let text = try await Tool.run("dig", ["@127.0.0.1", "-p", "\(port)", "-b", "127.0.0.9", "+time=2", "+tries=1", "video1.cdn.example"])
            viaTCP = text.contains("Truncated, retrying in TCP mode") && text.contains("status: NOERROR") && text.contains("127.1.")
        }
        var answeredElsewhere = 0
        for _ in 0..<20 {
            let text = try await Tool.run("dig", ["@127.0.0.1", "-p", "\(port)", "-b", "127.1.0.1", "+time=5", "+tries=1", "+notcp", "video1.cdn.example"])
            if text.contains("status: NOERROR") && !text.contains(" tc") && text.contains("127.1.") { answeredElsewhere += 1 }
        }
        let report = try await flood.value
        #expect(answeredElsewhere == 20, "another source is answered every time during the flood")
        #expect(viaTCP, "a slipped query is answered over TCP")
        let lost = report.split(separator: "\n").first { $0.contains("Queries lost:") }.map(String.init) ?? report
        let lostCount = Int(lost.split(separator: ":").last?.split(separator: "(").first?.trimmingCharacters(in: .whitespaces) ?? "") ?? 0
        #expect(lostCount > 0, "the flood lost the dropped queries: \(lost)")
        #expect(balancer.pools.counters.drain().limited > 0)
        await balancer.server.stop()
    }

    /// TCP is never rate-limited, but its connections are capped: beyond the cap a new one is
    /// closed on accept, and once one closes a new one is served again.
    @Test(.timeLimit(.minutes(1))) func tcpConnectionsOverTheCapAreClosed() async throws {
        let balancer = try await TestBalancer.start(workers: 1, tcpConnections: 2, tcpConnectionsPerSource: 2)
        let query = Wire.query("video1.cdn.example")
        let framed = [UInt8(query.count >> 8), UInt8(query.count & 0xFF)] + query
        // Each blocking receive runs off the cooperative pool.
        func exchange(_ connection: TCPConnection) async -> LoopbackSocket.Received {
            await Testbed.blocking {
                connection.send(framed)
                return connection.receive()
            }
        }
        var first: TCPConnection? = try TCPConnection(port: balancer.port)
        let second = try TCPConnection(port: balancer.port)
        for connection in [first, second].compactMap({ $0 }) {
            #expect(await exchange(connection).bytes != nil)
        }
        let third = try TCPConnection(port: balancer.port)
        let refused = await exchange(third)
        #expect(refused == .closed || refused == .reset, "\(refused)")
        first = nil
        var served = false
        for _ in 0..<100 where !served {
            let again = try TCPConnection(port: balancer.port)
            served = await exchange(again).bytes != nil
            if !served { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(served)
        withExtendedLifetime(first) {}
        await balancer.server.stop()
    }
}
