import Foundation
import Testing
@testable import DNSBalancer

/// Bytes no client should send: each gets FORMERR or NOTIMP, or is dropped, and the next
/// good query is answered. The corpus holds hand-made cases and what fuzzing found.
@Suite struct MalformedInputTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus")

    static func cases() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: corpus.path).filter { $0.hasSuffix(".bin") }.sorted()
    }

    /// What a corpus file's name says must happen: drop-, formerr-, notimp-; fuzz- only must not crash.
    static func check(_ name: String, input: [UInt8], reply: [UInt8]?) {
        let response = reply.flatMap(Wire.parse)
        if name.hasPrefix("drop-") {
            #expect(reply == nil || reply?.isEmpty == true, "\(name) must be dropped")
        } else if name.hasPrefix("formerr-") || name.hasPrefix("notimp-") {
            let expected = name.hasPrefix("formerr-") ? 1 : 4
            #expect(response?.rcode == expected, "\(name): rcode \(String(describing: response?.rcode))")
            #expect(response.map { $0.flags & 0x8000 != 0 } == true, "\(name): QR set")
            #expect(response?.id == UInt16(input[0]) << 8 | UInt16(input[1]), "\(name): ID echoed")
        } else if let reply, !reply.isEmpty {
            #expect(response != nil, "\(name): the reply is a DNS message")
        }
    }

    @Test func corpusCoversTheIssueCases() throws {
        let names = try Self.cases()
        for required in ["drop-short-header", "formerr-compression-loop", "formerr-label-64", "formerr-name-over-255", "formerr-qdcount-0", "formerr-qdcount-2", "formerr-garbage-after-question",
            // EDNS Client Subnet (RFC 7871 §7.1.2): bits past the source prefix, an unknown family, a prefix longer than the address.
            "formerr-ecs-bits-past-prefix", "formerr-ecs-unknown-family", "formerr-ecs-prefix-longer-than-address", "formerr-ecs-address-longer-than-prefix",
            "formerr-ecs-twice", "formerr-ecs-option-overruns-opt"] {
            #expect(names.contains("\(required).bin"))
        }
    }

    @Test func everyCorpusCaseHasItsOutcomeInProcess() throws {
        let pools = try DNSPools(settings: TestBalancer.settings, contents: TestBalancer.standardContents)
        let responder = DNSResponder(pools: pools)
        var out = [UInt8](repeating: 0, count: 65_535)
        var sent: [Int: Int] = [:]
        for name in try Self.cases() {
            let input = try [UInt8](Data(contentsOf: Self.corpus.appendingPathComponent(name)))
            let length = input.withUnsafeBytes { raw in out.withUnsafeMutableBytes { responder.respond(to: raw, over: .udp, into: $0) } }
            Self.check(name, input: input, reply: Array(out[0..<length]))
            if let rcode = Wire.parse(Array(out[0..<length]))?.rcode { sent[rcode, default: 0] += 1 }
        }
        // The dashboard's counts by response code are the replies really sent.
        let totals = pools.counters.responses.totals()
        #expect(totals["FORMERR"] == sent[1, default: 0] && totals["NOTIMP"] == sent[4, default: 0], "sent \(sent), counted \(totals)")
        #expect(totals.values.reduce(0, +) == sent.values.reduce(0, +), "sent \(sent), counted \(totals)")
    }

    @Test(arguments: UDPIO.allCases)
    func everyCorpusCaseOverTheWireThenAGoodQueryIsAnswered(udpIO: UDPIO) async throws {
        let balancer = try await TestBalancer.start(udpIO: udpIO)
        defer { Task { await balancer.server.stop() } }
        let client = try UDPClient(port: balancer.port, timeoutMilliseconds: 300)
        for name in try Self.cases() {
            let input = try [UInt8](Data(contentsOf: Self.corpus.appendingPathComponent(name)))
            Self.check(name, input: input, reply: client.exchange(input))
            let good = client.exchange(Wire.query("video1.clickos.cdn.example", id: 7)).flatMap(Wire.parse)
            #expect(good?.addresses == [[127, 1, 1, 1]], "after \(name)")
        }
    }

    @Test func halfOpenAndOversizedTCPConnectionsDoNotStallTheServer() async throws {
        let balancer = try await TestBalancer.start(tcpIdle: 1)
        defer { Task { await balancer.server.stop() } }
        // 40 connections that never finish a message: one claims 65535 bytes and sends 20.
        var stalled: [TCPConnection] = []
        for index in 0..<40 {
            let connection = try TCPConnection(port: balancer.port)
            connection.send(index == 0 ? [0xFF, 0xFF] + Array(repeating: 0, count: 20) : [0x00])
            stalled.append(connection)
        }
        // A well-formed TCP query on a new connection is still answered, as is UDP.
        let tcp = try TCPConnection(port: balancer.port)
        let query = Wire.query("video1.clickos.cdn.example", id: 99)
        tcp.send([UInt8(query.count >> 8), UInt8(query.count & 0xFF)] + query)
        let answer = tcp.receive().bytes.flatMap { $0.count > 2 ? Wire.parse(Array($0.dropFirst(2))) : nil }
        #expect(answer?.addresses == [[127, 1, 1, 1]])
        #expect(try await Tool.digShort(balancer.port, "video1.clickos.cdn.example") == ["127.1.1.1"])
        // A length prefix too short for a header closes that connection at once.
        let short = try TCPConnection(port: balancer.port)
        short.send([0x00, 0x05, 1, 2, 3, 4, 5])
        #expect(short.receive() == .closed, "closed without a reply")
        // The idle timeout (1 s here) closes the stalled ones.
        try await Task.sleep(for: .milliseconds(1_500))
        #expect(stalled.allSatisfy { $0.receive() == .closed })
    }
}
