import Foundation
import TestSupport
import Testing

extension LoopServices {
    /// The quick Scenario 3 replayed by the real `augur replay`: real DNS lookups and HTTP
    /// downloads by 100 concurrent users per round against the whole system, SARIMA against
    /// EMA with emulated ClickOS edges. It must reproduce the paper's qualitative result.
    @Suite struct ReplayProcessTests {
        @Test(.timeLimit(.minutes(5)), .enabled(if: Testbed.runsAsRoot, "needs root: dockerd, the registry, network namespaces and the edges' daemons")) func theQuickScenarioReproducesThePapersResult() async throws {
            let binary = Testbed.root.appendingPathComponent(".build/debug/augur")
            guard FileManager.default.isExecutableFile(atPath: binary.path) else {
                print("skipped: .build/debug/augur is not built (swift build)")
                return
            }
            try await Testbed.script("registry", ["start", Testbed.registry])
            let output = Testbed.temporaryDirectory("replay")
            let text = try await Testbed.tool(binary.path, [
                "replay", "--scenario", Testbed.root.appendingPathComponent("Scripts/scenarios/paper-s3-quick.yaml").path,
                "--topology", Testbed.root.appendingPathComponent("Topology/paper-testbed.yaml").path,
                "--content", Testbed.root.appendingPathComponent("Content/catalog.yaml").path,
                "--output", output.path, "--payloads", output.appendingPathComponent("payloads").path, "--log-level", "warning",
            ])
            let lines = text.split(separator: "\n").map(String.init)
            #expect(lines.last?.hasPrefix("paper result reproduced: yes") == true, "\(text)")
            let csv = try String(contentsOf: output.appendingPathComponent("rounds.csv"), encoding: .utf8).split(separator: "\n")
            #expect(csv.count == 1 + 2 * 20, "a header and 20 rounds per run")
            let failed = csv.dropFirst().compactMap { $0.split(separator: ",", omittingEmptySubsequences: false).dropFirst(5).first.flatMap { Int($0) } }
            #expect(failed.count == 40 && failed.allSatisfy { $0 == 0 }, "no user failed: \(failed)")
            for figure in ["delivery.svg", "instances.svg", "cpu.svg"] {
                let svg = try String(contentsOf: output.appendingPathComponent(figure), encoding: .utf8)
                #expect(svg.hasPrefix("<svg") && svg.contains("<polyline"), "\(figure) is a chart")
            }
        }

        /// A scenario that cannot run is refused with the reason before anything starts, and
        /// the results an earlier replay left in the output folder stay.
        @Test func aScenarioThatCannotRunIsRefusedAndEarlierResultsStay() async throws {
            let binary = Testbed.root.appendingPathComponent(".build/debug/augur")
            guard FileManager.default.isExecutableFile(atPath: binary.path) else {
                print("skipped: .build/debug/augur is not built (swift build)")
                return
            }
            let directory = Testbed.temporaryDirectory("refused")
            let earlier = directory.appendingPathComponent("out/rounds.csv")
            try FileManager.default.createDirectory(at: earlier.deletingLastPathComponent(), withIntermediateDirectories: true)
            try "earlier\n".write(to: earlier, atomically: true, encoding: .utf8)
            try "content: video1\nusers: [5, 1]\n".write(to: directory.appendingPathComponent("pattern.yaml"), atomically: true, encoding: .utf8)
            let cases = [
                ("fast", "run 'r': edge_bandwidth 'fast' is not a rate such as 10Mbps"),
                ("10Mbps", "run 'r' sets edge_bandwidth: only the namespace testbed (--testbed) has edge links to shape"),
            ]
            for (bandwidth, reason) in cases {
                let scenario = directory.appendingPathComponent("scenario-\(bandwidth).yaml")
                try "title: t\npattern: pattern.yaml\nround: 2s\ncycles: 2\nruns:\n  - {name: r, model: \"ema:3\", edge_flavor: clickos, edge_bandwidth: \(bandwidth)}\n"
                    .write(to: scenario, atomically: true, encoding: .utf8)
                let text = try await Testbed.tool(binary.path, [
                    "replay", "--scenario", scenario.path, "--output", directory.appendingPathComponent("out").path,
                    "--topology", Testbed.root.appendingPathComponent("Topology/paper-testbed.yaml").path,
                    "--content", Testbed.root.appendingPathComponent("Content/catalog.yaml").path,
                ], failOnExit: false)
                #expect(text.contains(reason), "\(text)")
                #expect(try String(contentsOf: earlier, encoding: .utf8) == "earlier\n")
            }
        }
    }
}
