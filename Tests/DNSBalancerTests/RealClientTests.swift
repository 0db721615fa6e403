import Testing
@testable import DNSBalancer

/// The balancer as real DNS clients (dig, kdig, drill) see it.
@Suite struct RealClientTests {
    @Test(arguments: UDPIO.allCases)
    func answersRotateRoundRobinOnEveryQuery(udpIO: UDPIO) async throws {
        let balancer = try await TestBalancer.start(udpIO: udpIO)
        defer { Task { await balancer.server.stop() } }
        var answers: [[String]] = []
        for _ in 0..<8 {
            answers.append(try await Tool.digShort(balancer.port, "video1.cdn.example", "A"))
        }
        let all = ["127.1.2.1", "127.1.2.2", "127.1.2.3", "127.1.1.1"]
        for answer in answers {
            #expect(Set(answer) == Set(all), "every ready instance is answered")
        }
        #expect(Set(answers.map { $0[0] }) == Set(all), "each instance comes first in turn")
        for (previous, next) in zip(answers, answers.dropFirst()) {
            #expect(Array(previous.dropFirst() + previous.prefix(1)) == next, "the order rotates by one per query")
        }
    }

    @Test func flavorNameAnswersOnlyThatFlavor() async throws {
        let balancer = try await TestBalancer.start()
        defer { Task { await balancer.server.stop() } }
        let clickos = try await Tool.run("kdig", ["@127.0.0.1", "-p", "\(balancer.port)", "+short", "video1.clickos.cdn.example", "A"])
        #expect(clickos.split(separator: "\n") == ["127.1.1.1"])
        let nginx = try await Tool.digShort(balancer.port, "video1.nginx.cdn.example")
        #expect(Set(nginx) == ["127.1.2.1", "127.1.2.2", "127.1.2.3"])
        let drill = try await Tool.run("drill", ["-p", "\(balancer.port)", "video1.nginx.cdn.example", "@127.0.0.1"])
        #expect(drill.contains("rcode: NOERROR"))
        #expect(drill.components(separatedBy: "\tIN\tA\t127.1.2.").count == 4)
    }

    @Test func answerHoldsAtMostTheCapAndTheWindowRotatesOverAll() async throws {
        let balancer = try await TestBalancer.start(contents: TestBalancer.bigPool(12), maxRecords: 8)
        defer { Task { await balancer.server.stop() } }
        var seen: Set<String> = []
        for _ in 0..<12 {
            let answer = try await Tool.digShort(balancer.port, "big.cdn.example")
            #expect(answer.count == 8)
            seen.formUnion(answer)
        }
        #expect(seen.count == 12)
    }

    @Test func responseCodes() async throws {
        let balancer = try await TestBalancer.start()
        defer { Task { await balancer.server.stop() } }
        let port = balancer.port

        let nxdomain = try await Tool.dig(port, "nothing.cdn.example")
        #expect(nxdomain.contains("status: NXDOMAIN"))
        #expect(nxdomain.contains("flags: qr aa rd"))
        #expect(nxdomain.contains("IN\tSOA\tns1.cdn.example. hostmaster.cdn.example."))

        let nodataType = try await Tool.dig(port, "video1.cdn.example", "TXT")
        #expect(nodataType.contains("status: NOERROR"))
        #expect(nodataType.contains("ANSWER: 0, AUTHORITY: 1"))

        let nothingReady = try await Tool.dig(port, "video5.cdn.example", "A")
        #expect(nothingReady.contains("status: NOERROR"))
        #expect(nothingReady.contains("ANSWER: 0, AUTHORITY: 1"))

        let emptyNonTerminal = try await Tool.dig(port, "nginx.cdn.example", "A")
        #expect(emptyNonTerminal.contains("status: NOERROR"))

        let refused = try await Tool.dig(port, "example.org", "A")
        #expect(refused.contains("status: REFUSED"))
        #expect(!refused.contains("flags: qr aa"))

        let notimp = try await Tool.dig(port, "+opcode=status", "video1.cdn.example")
        #expect(notimp.contains("status: NOTIMP"))

        let badvers = try await Tool.dig(port, "+edns=1", "+noednsneg", "video1.cdn.example")
        #expect(badvers.contains("status: BADVERS"))

        let transfer = try await Tool.dig(port, "cdn.example", "AXFR")
        #expect(transfer.contains("Transfer failed") || transfer.contains("REFUSED"))

        let soa = try await Tool.digShort(port, "cdn.example", "SOA")
        #expect(soa == ["ns1.cdn.example. hostmaster.cdn.example. 1 3600 600 86400 5"])
        let ns = try await Tool.dig(port, "cdn.example", "NS", "+noall", "+answer", "+additional")
        #expect(ns.contains("cdn.example.\t\t3600\tIN\tNS\tns1.cdn.example."))
        #expect(ns.contains("ns1.cdn.example.\t3600\tIN\tA\t127.0.0.1"))
    }

    @Test(arguments: UDPIO.allCases)
    func largePoolTruncatesOverUDPAndTCPGetsItAll(udpIO: UDPIO) async throws {
        let balancer = try await TestBalancer.start(contents: TestBalancer.bigPool(100), maxRecords: 100, udpIO: udpIO)
        defer { Task { await balancer.server.stop() } }
        let port = balancer.port

        let truncated = try await Tool.dig(port, "+noedns", "+ignore", "big.cdn.example")
        #expect(truncated.contains("flags: qr aa tc rd"))
        #expect(truncated.contains("ANSWER: 0"))

        let retried = try await Tool.digShort(port, "+noedns", "big.cdn.example")
        #expect(retried.count == 100, "dig retries over TCP after TC")

        let tcp = try await Tool.run("kdig", ["@127.0.0.1", "-p", "\(port)", "+tcp", "+short", "big.cdn.example"])
        #expect(tcp.split(separator: "\n").count == 100)

        let drill = try await Tool.run("drill", ["-t", "-p", "\(port)", "big.cdn.example", "@127.0.0.1"])
        #expect(drill.components(separatedBy: "\tIN\tA\t127.2.").count == 101)
    }

    @Test func ednsSizeIsHonouredAndOPTEchoed() async throws {
        let balancer = try await TestBalancer.start(contents: TestBalancer.bigPool(100), maxRecords: 100, maxUDPPayload: 4096)
        defer { Task { await balancer.server.stop() } }
        let port = balancer.port

        let small = try await Tool.dig(port, "+bufsize=1232", "+ignore", "big.cdn.example")
        #expect(small.contains("flags: qr aa tc rd"), "100 records take about 1.6 kB: more than 1232")
        #expect(small.contains("EDNS: version: 0, flags:; udp: 4096"))

        let large = try await Tool.dig(port, "+bufsize=4096", "+ignore", "big.cdn.example")
        #expect(large.contains("flags: qr aa rd;"))
        #expect(large.contains("ANSWER: 100"))

        let capped = try await TestBalancer.start(contents: TestBalancer.bigPool(100), maxRecords: 100, maxUDPPayload: 1232)
        defer { Task { await capped.server.stop() } }
        let overAsked = try await Tool.dig(capped.port, "+bufsize=4096", "+ignore", "big.cdn.example")
        #expect(overAsked.contains("flags: qr aa tc rd"), "the server's own limit caps what the client asks for")

        let plain = try await TestBalancer.start()
        defer { Task { await plain.server.stop() } }
        let dnssec = try await Tool.dig(plain.port, "+dnssec", "video1.cdn.example")
        #expect(dnssec.contains("EDNS: version: 0, flags: do; udp: 1232"))
        #expect(dnssec.contains("ANSWER: 4"))
    }

    @Test func ipv6PoolsAnswerAAAA() async throws {
        let balancer = try await TestBalancer.start()
        defer { Task { await balancer.server.stop() } }
        #expect(Set(try await Tool.digShort(balancer.port, "video6.cdn.example", "AAAA")) == ["fd00::1", "fd00::2"])
        #expect(try await Tool.digShort(balancer.port, "video6.cdn.example", "A").isEmpty)
        #expect(try await Tool.digShort(balancer.port, "video1.cdn.example", "AAAA").isEmpty)
    }

    @Test func questionLetterCaseIsEchoed() async throws {
        let balancer = try await TestBalancer.start()
        defer { Task { await balancer.server.stop() } }
        let answer = try await Tool.dig(balancer.port, "ViDeO1.ClickOS.CDN.example", "+noall", "+answer")
        #expect(answer.contains("ViDeO1.ClickOS.CDN.example. 5\tIN\tA\t127.1.1.1"))
    }
}
