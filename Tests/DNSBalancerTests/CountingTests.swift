import Foundation
import Logging
import Testing
@testable import DNSBalancer

/// Lookups are counted exactly, per content and per flavor, in closed intervals.
@Suite struct CountingTests {
    @Test func intervalSnapshotsAddUpToWhatDnsperfSent() async throws {
        let balancer = try await TestBalancer.start()
        defer { Task { await balancer.server.stop() } }
        let counter = IntervalCounter(counters: balancer.pools.counters, interval: .seconds(1), clock: ContinuousClock(), logger: Logger(label: "test"))
        let snapshots = counter.subscribe()
        let running = Task { try await counter.run() }

        let queries = FileManager.default.temporaryDirectory.appendingPathComponent("augur-count-\(UUID()).txt")
        // Per pass: video1 ×2 (once by flavor), video5 (no instance: still demand), one unknown name, one outside the zone.
        try "video1.cdn.example A\nvideo1.nginx.cdn.example A\nvideo5.cdn.example A\nnope.cdn.example A\nexample.org A\n".write(to: queries, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: queries) }
        let passes = 300
        let report = try await Tool.run("dnsperf", ["-s", "127.0.0.1", "-p", "\(balancer.port)", "-d", queries.path, "-n", "\(passes)", "-c", "2", "-q", "50"])
        #expect(report.contains("Queries completed:    \(passes * 5)"), "\(report)")

        try await Task.sleep(for: .milliseconds(1_200))
        running.cancel()
        var total = DemandCounts()
        var completeness: [Bool] = []
        for await snapshot in snapshots {
            completeness.append(snapshot.complete)
            for (content, demand) in snapshot.counts.contents {
                total.contents[content, default: ContentDemand()].total += demand.total
                for (flavor, count) in demand.byFlavor { total.contents[content, default: ContentDemand()].byFlavor[flavor, default: 0] += count }
            }
            total.unknown += snapshot.counts.unknown
        }
        // The stop cut the last interval short: it is published, marked so, and only it is.
        #expect(completeness.last == false && completeness.dropLast().allSatisfy { $0 } && completeness.count >= 2, "\(completeness)")
        #expect(total.contents["video1"]?.total == 2 * passes)
        #expect(total.contents["video1"]?.byFlavor["nginx"] == passes)
        #expect(total.contents["video5"]?.total == passes)
        #expect(total.contents["video6"]?.total == 0)
        #expect(total.unknown == passes)
        // Every response by its code, for the dashboard: the known names (video5 with no
        // instance answers NOERROR and no address), the unknown one, the one outside the zone.
        let responses = balancer.pools.counters.responses.totals()
        #expect(responses["NOERROR"] == 3 * passes && responses["NXDOMAIN"] == passes && responses["REFUSED"] == passes, "\(responses)")
        #expect(responses.filter { !["NOERROR", "NXDOMAIN", "REFUSED"].contains($0.key) }.values.allSatisfy { $0 == 0 }, "\(responses)")
        #expect(balancer.pools.counters.unknownNames.top(3) == [UnknownNames.Entry(name: "nope.cdn.example.", count: passes)], "only the unknown name in the zone")
    }

    @Test func drainingResetsAndKeepsCountsAcrossPoolChanges() async throws {
        let balancer = try await TestBalancer.start()
        defer { Task { await balancer.server.stop() } }
        let client = try UDPClient(port: balancer.port)
        _ = balancer.pools.counters.drain()
        for _ in 0..<5 { _ = client.exchange(Wire.query("video1.clickos.cdn.example")) }
        try balancer.pools.add([127, 1, 1, 2], content: "video1", flavor: "clickos")
        for _ in 0..<5 { _ = client.exchange(Wire.query("video1.clickos.cdn.example")) }
        let counts = balancer.pools.counters.drain()
        #expect(counts.contents["video1"] == ContentDemand(total: 10, byFlavor: ["clickos": 10, "nginx": 0]))
        #expect(balancer.pools.counters.drain().contents["video1"]?.total == 0)
    }

    /// The lookup that takes a content past its watched threshold is announced once per
    /// interval, and the counts so far can be read without draining them.
    @Test func theLookupPastAThresholdIsAnnouncedOnceAndCountsArePeekedWithoutDraining() async throws {
        let balancer = try await TestBalancer.start()
        defer { Task { await balancer.server.stop() } }
        let client = try UDPClient(port: balancer.port)
        let counters = balancer.pools.counters
        _ = counters.drain()
        actor Seen {
            var contents: [String] = []
            func append(_ content: String) { contents.append(content) }
        }
        let seen = Seen()
        let collector = Task { for await content in counters.crossings { await seen.append(content) } }
        defer { collector.cancel() }
        func announced(_ count: Int) async throws -> Bool {
            for _ in 0..<50 where await seen.contents.count < count { try await Task.sleep(for: .milliseconds(10)) }
            return await seen.contents == Array(repeating: "video1", count: count)
        }
        counters.watch(["video1": 3])
        for _ in 0..<6 { _ = client.exchange(Wire.query("video1.cdn.example")) }
        #expect(try await announced(1))
        #expect(counters.peek()["video1"] == 6)
        #expect(counters.drain().contents["video1"]?.total == 6, "peeking left the count in place")
        // A new interval: the fourth lookup crosses again.
        for _ in 0..<4 { _ = client.exchange(Wire.query("video1.cdn.example")) }
        #expect(try await announced(2))
        // Raised: twenty more lookups stay below it.
        counters.watch(["video1": 100])
        for _ in 0..<20 { _ = client.exchange(Wire.query("video1.cdn.example")) }
        try await Task.sleep(for: .milliseconds(100))
        #expect(await seen.contents.count == 2 && counters.peek()["video1"] == 24)
    }
}

/// The unknown names a dashboard lists: exact while few, bounded under a flood of new ones,
/// and written as dig writes them.
@Suite struct UnknownNameTests {
    static func wire(_ labels: [[UInt8]]) -> [UInt8] {
        labels.flatMap { [UInt8($0.count)] + $0 } + [0]
    }

    static func record(_ names: UnknownNames, _ labels: [[UInt8]], times: Int = 1) {
        let bytes = wire(labels)
        for _ in 0..<times { bytes.withUnsafeBytes { names.record(wireName: $0) } }
    }

    @Test func theMostAskedComeFirstAndAFloodStaysBounded() {
        let names = UnknownNames(capacity: 16)
        Self.record(names, [Array("Typo".utf8), Array("cdn".utf8), Array("example".utf8)], times: 50)
        Self.record(names, [Array("other".utf8), Array("cdn".utf8), Array("example".utf8)], times: 5)
        #expect(names.top(2) == [.init(name: "typo.cdn.example.", count: 50), .init(name: "other.cdn.example.", count: 5)], "lowercased, counted exactly")
        // 500 names asked once each: a name asked more than a sixteenth of all lookups is kept.
        for index in 0..<500 { Self.record(names, [Array("random\(index)".utf8), Array("cdn".utf8)]) }
        #expect(names.top(100).count == 16, "at most the capacity is followed")
        #expect(names.top(1) == [.init(name: "typo.cdn.example.", count: 50)], "the most asked name survives a flood of new ones, its count exact")
    }

    @Test func bytesOutsideAHostnameAreEscapedAsDigDoes() {
        let bytes = Self.wire([[0x61, 0x2E, 0x00, 0xFF], Array("cdn".utf8)])
        let text = bytes.withUnsafeBytes { UnknownNames.text($0) }
        #expect(text == "a\\046\\000\\255.cdn.")
    }
}
