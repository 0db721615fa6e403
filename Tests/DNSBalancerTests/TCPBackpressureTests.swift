import Foundation
import TestSupport
import Testing

/// A DNS-over-TCP peer that sends queries and never reads the answers: the server stops
/// reading it instead of queueing answers, so what one connection sends cannot grow the
/// process, other clients are answered meanwhile, and the idle timeout closes it.
@Suite(.serialized) struct TCPBackpressureTests {
    /// 200,000 pipelined queries for the zone's name, each with its length prefix (about 8 MB).
    static let flood: [UInt8] = {
        let query = Wire.query("video1.cdn.example", id: 1)
        let framed = [UInt8(query.count >> 8), UInt8(query.count & 0xFF)] + query
        // One copy per query (a generic join of 200,000 arrays takes seconds in a debug build).
        var flood: [UInt8] = []
        flood.reserveCapacity(framed.count * 200_000)
        for _ in 0..<200_000 { flood.append(contentsOf: framed) }
        return flood
    }()

    @Test(.timeLimit(.minutes(2)))
    func aPeerThatNeverReadsCannotGrowAugurDNSAndOthersAreAnsweredMeanwhile() async throws {
        try await AugurDNSProcess.running { dns in
            let before = try #require(dns.residentMegabytes())
            let connection = try TCPConnection(port: dns.port, receiveBuffer: 4_096)
            let sent = await connection.flood(Self.flood, limit: Self.flood.count, seconds: 5).sent
            #expect(try await Tool.digShort(dns.port, "video1.cdn.example") == ["127.10.0.1"], "another client over UDP is answered during the flood")
            #expect(try await Tool.digShort(dns.port, "+tcp", "video1.cdn.example") == ["127.10.0.1"], "and over TCP")
            let after = try #require(dns.residentMegabytes())
            #expect(after - before < 64, "resident memory grew from \(before) MB to \(after) MB after \(sent) bytes of queries that were never read")
            #expect(sent < Self.flood.count, "the server stopped reading: \(sent) of \(Self.flood.count) bytes went out")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func theIdleTimeoutClosesAPeerThatKeepsSendingAndDoesNotRead() async throws {
        let balancer = try await TestBalancer.start(tcpIdle: 1)
        defer { Task { await balancer.server.stop() } }
        let connection = try TCPConnection(port: balancer.port, receiveBuffer: 4_096)
        // Sending on for 6 s: a server that kept reading would never find it idle.
        let flood = await connection.flood(Self.flood, seconds: 6)
        #expect(flood.closedByPeer, "the server closed the connection it stopped reading (\(flood.sent) bytes sent)")
        #expect(try await Tool.digShort(balancer.port, "+tcp", "video1.clickos.cdn.example") == ["127.1.1.1"], "the server answers on")
    }
}

/// `augur dns` as its own process on a port of its own, for what only a process shows (its
/// resident memory).
final class AugurDNSProcess: @unchecked Sendable {
    let port: Int
    private let process: ChildProcess

    private init(process: ChildProcess, port: Int) {
        self.process = process
        self.port = port
    }

    /// Runs `body` with an `augur dns` of its own, stopped afterwards whatever happens.
    static func running(_ body: (AugurDNSProcess) async throws -> Void) async throws {
        let dns = try await start()
        do {
            try await body(dns)
        } catch {
            await dns.stop()
            throw error
        }
        await dns.stop()
    }

    private static func start() async throws -> AugurDNSProcess {
        let directory = Testbed.temporaryDirectory("augur-dns")
        let process = try ChildProcess(
            Testbed.augurBinary(), ["dns", "--dns-listen", "127.0.0.1:0", "--workers", "1", "--rrl-rate", "0"] + RepositoryFiles.arguments,
            in: directory, log: directory.appendingPathComponent("dns.log"))
        for _ in 0..<500 {
            let text = process.output
            if let range = text.range(of: "dns.listen=127.0.0.1:"), let port = Int(text[range.upperBound...].prefix(while: \.isNumber)) {
                return AugurDNSProcess(process: process, port: port)
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        await process.stop()
        throw TestbedError(description: "augur dns did not start: \(process.output)")
    }

    /// VmRSS from /proc, in megabytes.
    func residentMegabytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(process.pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        return kilobytes / 1_024
    }

    /// Stops it and waits off the cooperative pool (the other tests need its threads).
    func stop() async {
        await process.stop()
    }
}
