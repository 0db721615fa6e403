import AugurModel
import EdgeOperator
import Foundation
import Optimizer
import Replay
import TestSupport
import Testing
import Workload

extension LoopServices {
    /// Shipped patterns replayed in this process through the replay library (short rounds):
    /// real DNS lookups and HTTP downloads against emulated ClickOS edges, predictive against
    /// hybrid with the paper's SARIMA model. The output (payloads and the edges' state
    /// included) lies under a private folder (0700, as `/root` or `mktemp -d` is), and every
    /// download must succeed: the instances' nginx reads what lies there.
    @Suite(.enabled(if: Testbed.runsAsRoot, "needs root: the registry and the edges' nginx processes"))
    struct InProcessReplayTests {
        static let model = "sarima:0,1,0,0,1,0,10"

        static let policies = [
            Scenario.Run(name: "predictive", model: model, edgeFlavor: "clickos", policy: .predictive),
            Scenario.Run(name: "hybrid", model: model, edgeFlavor: "clickos", policy: .hybrid),
        ]

        /// The shipped scenario at 2 s rounds, once, predictive against hybrid unless `runs`
        /// says; `rounds` cuts it short, `configure` edits the configuration.
        static func replay(
            _ file: String, port: Int, runs: [Scenario.Run] = policies, rounds: Int? = nil, configure: (inout AugurConfiguration) -> Void = { _ in }
        ) async throws -> ReplayReport {
            var scenario = try Scenario.load(Testbed.root.appendingPathComponent("Scripts/scenarios/\(file)").path)
            scenario.roundMilliseconds = 2_000
            scenario.repeats = 1
            scenario.runs = runs
            if let rounds { scenario.rounds = rounds }
            var editable = try LoopBed.configuration()
            configure(&editable)
            let configuration = editable
            try await Testbed.script("registry", ["start", Testbed.registry])
            let home = Testbed.temporaryDirectory("replay-private")
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: home.path)
            let output = home.appendingPathComponent(file)
            let payloads = output.appendingPathComponent("payloads")
            try await ReplayPreparation(scenario: scenario, configuration: configuration, payloads: payloads).prepare(dockerEdges: false)
            let dns = SocketEndpoint(address: .v4(0x7f00_0001), port: port)
            let site = InProcessSite(configuration: configuration, dnsEndpoint: dns) { node, state in
                var node = node
                node.operatorSettings = OperatorSettings(stateDirectory: state, nodeName: node.name)
                let driver = EmulatedDriver(flavors: configuration.flavors, payloads: payloads, stateDirectory: URL(fileURLWithPath: state))
                return EdgeOperator(settings: EdgeOperator.Settings(configuration: configuration, node: node), drivers: [driver], logger: LoopBed.logger)
            }
            let environment = ReplayEnvironment(configuration: configuration, site: site, dnsEndpoint: dns, payloads: payloads, logger: LoopBed.logger) { _ in }
            let replay = ScenarioReplay(scenario: scenario, name: file, directory: output, environment: environment)
            let report = try await replay.run()
            try report.write(to: output)
            return report
        }

        /// A crowd no forecast saw: hybrid meets it within the round, predictive a round late.
        @Test func onTheFlashCrowdHybridHasFewerUsersOverCapacityAndNoFailure() async throws {
            let report = try await Self.replay("flash-crowd.yaml", port: 5393)
            let runs = Dictionary(uniqueKeysWithValues: report.summaries.map { ($0.name, $0.figures) })
            let (predictive, hybrid) = (try #require(runs["predictive"]), try #require(runs["hybrid"]))
            #expect(hybrid.usersOverCapacity < predictive.usersOverCapacity, "\(report.summary)")
            #expect(hybrid.failed == 0 && predictive.failed == 0 && hybrid.reactiveDeploys > 0, "\(report.summary)")
            #expect(report.verdict.lines.last?.hasPrefix("reacting ahead of predictive: yes") == true, "\(report.verdict.lines)")
        }

        /// On the pattern SARIMA forecasts, reacting adds nothing beyond what its own deploys
        /// keep for the stabilization window.
        @Test func onThePapersPatternHybridKeepsSarimasResult() async throws {
            let report = try await Self.replay("paper-policies.yaml", port: 5394)
            let runs = Dictionary(uniqueKeysWithValues: report.summaries.map { ($0.name, $0.figures) })
            let (predictive, hybrid) = (try #require(runs["predictive"]), try #require(runs["hybrid"]))
            let window = Double(PlanPolicy.paper.stabilizationIntervals + 1) * 2
            #expect(hybrid.underProvisionedRounds <= predictive.underProvisionedRounds, "\(report.summary)")
            #expect(hybrid.surplusInstanceSeconds <= predictive.surplusInstanceSeconds + hybrid.reactiveDeploys * window, "\(report.summary)")
            #expect(hybrid.failed == 0 && predictive.failed == 0, "\(report.summary)")
        }

        /// A surge in north while south is quiet (Scripts/scenarios/regions.yaml, two cycles):
        /// each site's users resolve from their region's loopback zone. With regions, north's
        /// users are answered by north's edges; without, by any edge.
        @Test func aSurgeInOneRegionIsServedByItsOwnEdges() async throws {
            let runs = [
                Scenario.Run(name: "regional", model: Self.model, edgeFlavor: "clickos", policy: .hybrid),
                Scenario.Run(name: "anywhere", model: Self.model, edgeFlavor: "clickos", policy: .hybrid, regions: false),
            ]
            let report = try await Self.replay("regions.yaml", port: 5395, runs: runs, rounds: 20) { configuration in
                configuration.topology.regions = [
                    Region(name: "north", clients: [IPPrefix("127.1.0.0/16")].compactMap { $0 }, edges: ["edge-1", "edge-2"]),
                    Region(name: "south", clients: [IPPrefix("127.2.0.0/16")].compactMap { $0 }, edges: ["edge-3", "edge-4"]),
                ]
            }
            let figures = Dictionary(uniqueKeysWithValues: report.summaries.map { ($0.name, $0.figures) })
            let regional = try #require(figures["regional"]?.sites), anywhere = try #require(figures["anywhere"]?.sites)
            let (north, south) = (try #require(regional["north"]), try #require(regional["south"]))
            #expect((north.locality ?? 0) >= 0.95 && (south.locality ?? 0) >= 0.9, "\(report.summary)")
            #expect((anywhere["north"]?.locality ?? 1) < (north.locality ?? 0), "without regions, other edges answer north too: \(report.summary)")
            #expect(north.users == 380 && south.users == 100 && north.failed == 0 && south.failed == 0, "\(report.summary)")
            #expect(report.summary.contains("regional · site north: 380 users"), "\(report.summary)")
        }
    }
}
