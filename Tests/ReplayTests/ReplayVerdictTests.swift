import AugurModel
import Foundation
import Testing
import Workload
@testable import Replay

/// The verdict can say no: every SARIMA/EMA pair is judged, on provisioning and on what
/// clients saw, beyond the spread of the repeats.
@Suite struct ReplayVerdictTests {
    static func figures(over: Double = 0, under: Double, surplus: Double, failed: Double = 0, p95: Double = 0.5) -> RunFigures {
        RunFigures(usersOverCapacity: over, underProvisionedRounds: under, surplusInstanceSeconds: surplus, meanDeliverySeconds: p95 / 2, p95DeliverySeconds: p95, failed: failed, requests: 1_000)
    }

    static func run(_ name: String, _ model: String, policy: ScalingPolicy = .predictive, flavor: String = "clickos", _ repeats: [RunFigures]) -> RunSummary {
        RunSummary(run: Scenario.Run(name: name, model: model, edgeFlavor: flavor, policy: policy), perRepeat: repeats)
    }

    /// A run that lost its downloads (every one answered 403, as emulated instances whose
    /// object nginx could not read did) gets no verdict, however its provisioning looks.
    @Test func aRunThatLostItsDownloadsGetsNoVerdictButItsCause() {
        var broken = Self.figures(under: 1, surplus: 30, failed: 1_000)
        broken.failureCauses = ["http-403": 990, "refused": 10]
        let verdict = ReplayVerdict(runs: [
            Self.run("sarima", "sarima:0,1,0,0,1,0,10", [broken]),
            Self.run("ema", "ema:3", [Self.figures(under: 4, surplus: 120)]),
        ])
        #expect(verdict.lines == ["verdict: none, the run is broken: sarima: 1000 of 1000 downloads failed (http-403 990, refused 10)"])
        #expect(!verdict.lines.joined().contains("reproduced"))
    }

    @Test func sarimaAheadOnProvisioningAndNoWorseForClientsIsYes() {
        let verdict = ReplayVerdict(runs: [
            Self.run("sarima", "sarima:0,1,0,0,1,0,10", [Self.figures(under: 1, surplus: 30)]),
            Self.run("ema", "ema:3", [Self.figures(under: 4, surplus: 120)]),
        ])
        #expect(verdict.lines.last?.hasPrefix("paper result reproduced: yes (sarima vs ema: under-provisioned rounds 1 vs 4") == true, "\(verdict.lines)")
    }

    @Test(arguments: [
        (figures(under: 5, surplus: 30), "not ahead on under-provisioning and surplus"),
        (figures(under: 4, surplus: 120), "not ahead on under-provisioning and surplus"),
        (figures(under: 1, surplus: 30, failed: 20), "worse on failures"),
        (figures(under: 1, surplus: 30, p95: 0.6), "worse on p95 delivery"),
    ])
    func aConstructedPairWhereSarimaIsWorseIsNo(_ sarima: RunFigures, _ reason: String) {
        let verdict = ReplayVerdict(runs: [
            Self.run("sarima", "sarima:0,1,0,0,1,0,10", [sarima]),
            Self.run("ema", "ema:3", [Self.figures(under: 4, surplus: 120, failed: 10)]),
        ])
        let line = verdict.lines.last ?? ""
        #expect(line.hasPrefix("paper result reproduced: no") && line.contains(reason), "\(line)")
    }

    @Test func everyPairIsJudgedNotTheFirstOnly() {
        let verdict = ReplayVerdict(runs: [
            Self.run("sarima-clickos", "sarima:0,1,0,0,1,0,10", [Self.figures(under: 1, surplus: 30)]),
            Self.run("ema-clickos", "ema:3", [Self.figures(under: 4, surplus: 120)]),
            Self.run("sarima-flask", "sarima:0,1,0,0,1,0,10", flavor: "flask", [Self.figures(under: 6, surplus: 30)]),
            Self.run("ema-flask", "ema:3", flavor: "flask", [Self.figures(under: 4, surplus: 120)]),
        ])
        #expect(verdict.pairs.count == 2)
        let line = verdict.lines.last ?? ""
        #expect(line.hasPrefix("paper result reproduced: no (sarima-flask vs ema-flask"), "\(line)")
    }

    /// With repeats, a difference within their spread is not a loss.
    @Test func aDifferenceWithinTheSpreadOfTheRepeatsIsNotWorse() {
        let sarima = Self.run("sarima", "sarima:0,1,0,0,1,0,10", [Self.figures(under: 1, surplus: 30, p95: 0.70), Self.figures(under: 1, surplus: 30, p95: 0.50)])
        let ema = Self.run("ema", "ema:3", [Self.figures(under: 4, surplus: 120, p95: 0.55), Self.figures(under: 4, surplus: 120, p95: 0.57)])
        #expect(sarima.figures.p95DeliverySeconds == 0.6 && sarima.spread(\.p95DeliverySeconds) > 0.19)
        #expect(ReplayVerdict(runs: [sarima, ema]).lines.last?.hasPrefix("paper result reproduced: yes") == true)
    }

    @Test func aPolicyComparisonEndsWithItsOwnVerdict() {
        let runs = [
            Self.run("predictive", "sarima:0,1,0,0,1,0,10", [Self.figures(over: 280, under: 5, surplus: 84)]),
            Self.run("hybrid", "sarima:0,1,0,0,1,0,10", policy: .hybrid, [Self.figures(over: 17, under: 1, surplus: 162)]),
        ]
        #expect(ReplayVerdict(runs: runs).lines == [
            "reacting ahead of predictive: yes (hybrid vs predictive: users over capacity 17 vs 280, failed 0 vs 0, surplus 162 vs 84 instance·s)",
        ])
        let worse = [runs[0], Self.run("reactive", "sarima:0,1,0,0,1,0,10", policy: .reactive, [Self.figures(over: 300, under: 1, surplus: 10)])]
        #expect(ReplayVerdict(runs: worse).lines.first?.hasPrefix("reacting ahead of predictive: no (reactive vs predictive: reactive does not have fewer users over capacity") == true)
        #expect(ReplayVerdict(runs: [runs[0]]).lines == ["verdict: none (the runs form no SARIMA/EMA pair and no policy comparison)"])
    }

    @Test func summaryJSONHasEachRunsMeansBesideItsNameAndEveryRepeat() throws {
        let summary = Self.run("hybrid", "ema:3", policy: .hybrid, [Self.figures(over: 10, under: 1, surplus: 30), Self.figures(over: 20, under: 3, surplus: 60)])
        let data = try JSONEncoder().encode(ReplaySummaryFile(scenario: "flash-crowd", runs: [summary]))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["scenario"] as? String == "flash-crowd")
        let run = try #require((object["runs"] as? [[String: Any]])?.first)
        for key in ["name", "model", "policy", "edge_flavor", "repeats", "users_over_capacity", "under_provisioned_rounds", "surplus_instance_seconds",
                    "mean_delivery_s", "p95_delivery_s", "failed", "requests", "emulated_instances", "real_instances", "per_repeat"] {
            #expect(run[key] != nil, "\(key)")
        }
        #expect(run["users_over_capacity"] as? Double == 15 && run["policy"] as? String == "hybrid" && run["repeats"] as? Int == 2)
        #expect((run["per_repeat"] as? [[String: Any]])?.map { $0["under_provisioned_rounds"] as? Double } == [1, 3])
        #expect(try JSONDecoder().decode(ReplaySummaryFile.self, from: data).runs == [summary], "it reads back")
    }
}

/// Users over capacity: in the order they resolved, against what was ready at their moment.
@Suite struct CapacityTimelineTests {
    @Test func theKthUserToResolveCountsWhenKExceedsWhatWasReady() {
        let start = Date(timeIntervalSince1970: 1_000)
        var timeline = CapacityTimeline()
        timeline.record(1, at: start)
        timeline.record(1, at: start.addingTimeInterval(0.5))
        timeline.record(3, at: start.addingTimeInterval(1))
        #expect(timeline.ready(at: start.addingTimeInterval(-1)) == 1 && timeline.ready(at: start.addingTimeInterval(0.99)) == 1 && timeline.ready(at: start.addingTimeInterval(5)) == 3)
        func user(_ seconds: Double?) -> UserResult { UserResult(resolvedAt: seconds.map { start.addingTimeInterval($0) }, bytes: 0) }
        // Capacity 2: before 1 s one instance (2 users), after it three (6 users).
        let results = [user(0.1), user(0.2), user(0.3), user(0.4), user(1.1), user(1.2), user(1.3), user(nil)]
        // Capacity 2: users 3 and 4 came before the instances, user 7 beyond the six after them.
        #expect(timeline.usersOverCapacity(results.shuffled(), capacity: 2) == 3)
        // Capacity 1: every user but the first.
        #expect(timeline.usersOverCapacity(results, capacity: 1) == 6)
    }
}
