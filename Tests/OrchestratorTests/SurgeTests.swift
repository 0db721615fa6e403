import AugurModel
import DNSBalancer
import EdgeOperator
import Foundation
import Orchestrator
import Planning
import Testing
import TestSupport

extension LoopServices {
    /// The whole loop against real DNS queries: a DNS balancer on loopback, its interval
    /// counter (2 s intervals), the control loop with a seasonal model (period 4), and two
    /// in-process edges booting emulated ClickOS (real nginx) from the real registry.
    @Suite struct SurgeTests {
        /// Users per interval: a surge every fourth interval. With the one `dig` per interval
        /// that samples the answers, the balancer counts 100 and 10.
        static func demand(_ interval: Int) -> Int { interval % 4 == 2 ? 99 : 9 }

        @Test(.enabled(if: Testbed.runsAsRoot, "needs root: dockerd, the registry, network namespaces and the edges' daemons")) func edgeInstancesAreReadyBeforeTheForecastSurgeAndDrainedAfterAndDNSNeverAnswersWhatDoesNotServe() async throws {
            let configuration = try LoopBed.configuration()
            let payloads = try await LoopBed.prepare(configuration, content: "video1")
            let edges = try ["edge-1", "edge-2"].map { try LoopBed.emulatedEdge($0, configuration: configuration, payloads: payloads) }
            let pools = try LoopBed.pools(configuration)
            let store = try StateStore.inMemory()
            let settings = LoopSettings(intervalSeconds: 2, trainingIntervals: 4, dnsGraceSeconds: 0.5, drainSeconds: 2, edgeFlavors: ["clickos"])
            let loop = LoopBed.loop(
                configuration, settings: settings, models: ["video1": try ModelChoice(parsing: "sarima:0,0,0,0,1,0,4")],
                edges: edges.map(InProcessEdge.init), pools: pools, store: store)
            let server = try await DNSServer.start(pools: pools, listen: [try #require(SocketEndpoint("127.0.0.1:0"))], workers: 1, udpIO: .batch)
            let port = server.endpoints[0].port
            let counter = IntervalCounter(counters: pools.counters, interval: .seconds(2), clock: ContinuousClock(), logger: LoopBed.logger)
            let loopSnapshots = counter.subscribe()
            let mine = counter.subscribe()
            let queries = Testbed.temporaryDirectory("queries")
            let edgePools = try ["edge-1", "edge-2"].map { try #require(configuration.topology.node(named: $0)?.pools[.emulated]) }
            let isEdge: @Sendable (String) -> Bool = { address in IPAddress(address).map { ip in edgePools.contains { $0.contains(ip) } } ?? false }

            let checker = AnswerChecker(isEdge: isEdge) { LoopBed.answered(pools, "video1") }
            var answersBeforeRound: [Int: [String]] = [:]
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await counter.run() }
                group.addTask { await loop.run(snapshots: loopSnapshots) }
                group.addTask { await checker.run() }
                var snapshots = mine.makeAsyncIterator()
                for interval in 0..<10 {
                    // 0.8 s into the interval: what DNS answers before the round's users arrive, then the users.
                    try await Task.sleep(for: .milliseconds(800))
                    answersBeforeRound[interval] = try await AnswerChecker.dig(port)
                    let file = queries.appendingPathComponent("round-\(interval)")
                    try String(repeating: "video1.cdn.example A\n", count: Self.demand(interval)).write(to: file, atomically: true, encoding: .utf8)
                    try await Testbed.tool("dnsperf", ["-s", "127.0.0.1", "-p", "\(port)", "-d", file.path, "-n", "1", "-c", "4", "-t", "2"])
                    _ = await snapshots.next()
                }
                // Let the last removals finish (2 × TTL, then the drain; longer on a loaded machine), then stop everything.
                _ = await LoopBed.eventually(30) { await edges.asyncAllSatisfy { await $0.instances().allSatisfy(\.phase.isFinal) } }
                await checker.stop()
                group.cancelAll()
            }
            await server.stop()

            let plans = try store.intervals(limit: 20).sorted { $0.interval < $1.interval }
            try #require(plans.count >= 10)
            #expect(plans.prefix(10).map { $0.lookups["video1"] ?? -1 } == (0..<10).map { Self.demand($0) + 1 }, "every lookup was counted in its interval")
            #expect(plans.prefix(4).allSatisfy { $0.training && $0.actions.isEmpty }, "the first season only trains")
            #expect(!(answersBeforeRound[2] ?? []).contains(where: isEdge), "the surge during training gets no edge capacity")
            let deploys = plans[5].actions
            #expect(deploys.count == 4 && deploys.allSatisfy { $0.kind == .deploy && $0.outcome == .ready }, "\(deploys)")
            #expect(Set(deploys.compactMap(\.edge)) == ["edge-1", "edge-2"], "placed on the edges with the fewest instances")
            let surgeAnswers = answersBeforeRound[6] ?? []
            #expect(surgeAnswers.filter(isEdge).count == 4, "four edge instances answered before the surge's users arrive: \(surgeAnswers)")
            #expect(surgeAnswers.contains("127.10.0.1"), "the core's baseline stays")
            let drains = plans[6].actions
            #expect(drains.count == 4 && drains.allSatisfy { $0.kind == .drain }, "\(drains)")
            #expect(!(answersBeforeRound[8] ?? []).contains(where: isEdge), "drained after the surge")
            let removed = try store.intervals(limit: 20).first { $0.interval == 6 }?.actions ?? []
            #expect(removed.allSatisfy { $0.outcome == .removed }, "\(removed.map(\.outcome))")
            let report = await checker.report()
            #expect(report.edgeAnswers > 0)
            let notServing = report.notServing
            #expect(notServing.isEmpty, "DNS answered addresses that did not serve: \(notServing)")
            for edge in edges { #expect(await edge.instances().allSatisfy(\.phase.isFinal)) }
        }
    }
}

/// Takes what the balancer answers (from `answers`) every `period` and fetches `/ready` with
/// `curl` from every edge address in it: an answered address that does not serve is a violation.
/// Its own lookups are demand too: a period that makes them more than what the core serves
/// keeps the loop deploying.
actor AnswerChecker {
    let isEdge: @Sendable (String) -> Bool
    let answers: @Sendable () async -> Set<String>
    let period: Duration
    private var stopped = false
    private(set) var edgeAnswers = 0
    private(set) var notServing: [String] = []

    init(isEdge: @escaping @Sendable (String) -> Bool, period: Duration = .milliseconds(20), answers: @escaping @Sendable () async -> Set<String>) {
        self.isEdge = isEdge
        self.period = period
        self.answers = answers
    }

    /// The addresses a real `dig` gets for video1.
    static func dig(_ port: Int) async throws -> [String] {
        try await Testbed.tool("dig", ["@127.0.0.1", "-p", "\(port)", "+time=2", "+tries=1", "+short", "video1.cdn.example"])
            .split(separator: "\n").map(String.init).filter { !$0.hasPrefix(";") }
    }

    func run() async {
        while !stopped, !Task.isCancelled {
            for address in await answers() where isEdge(address) {
                edgeAnswers += 1
                do {
                    try await Testbed.tool("curl", ["-sf", "-o", "/dev/null", "--max-time", "2", "http://\(address):8080/ready"])
                } catch {
                    notServing.append(address)
                }
            }
            try? await Task.sleep(for: period)
        }
    }

    func stop() { stopped = true }

    func report() -> (edgeAnswers: Int, notServing: [String]) { (edgeAnswers, notServing) }
}

extension Array where Element: Sendable {
    func asyncAllSatisfy(_ predicate: (Element) async -> Bool) async -> Bool {
        for element in self where !(await predicate(element)) { return false }
        return true
    }
}
