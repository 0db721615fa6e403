import Foundation
import TestSupport
import Testing

/// `Scripts/testbed-up` and `testbed-down` for real: every edge's dockerd and operator in its
/// namespace, deploys that pull from the core's registry over the shaped links, users in the
/// clients' namespace, and nothing left afterwards. Needs root; fails, and leaves alone, a
/// testbed someone is running.
@Suite(.serialized, .enabled(if: Testbed.runsAsRoot, "needs root: network namespaces, dockerd and the registry"))
struct TestbedScriptsTests {
    static let augur = Testbed.root.appendingPathComponent(".build/debug/augur").path

    @Test func anEdgeDeployPullsOverItsLinkAndServesTheClients() async throws {
        try await Self.withTestbed {
            // edge-1's own token, over HTTPS with the testbed's CA: the orchestrator's token is not edge-1's.
            let token = try String(contentsOf: Testbed.root.appendingPathComponent(".augur/edge-1.token"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let ca = Testbed.root.appendingPathComponent(".augur/tls/ca.pem").path
            // The edge keeps its artifact cache across runs (/var/lib/augur/testbed/edge-1):
            // evicted first, so the deploy below pulls over the link on every machine.
            _ = try await Testbed.tool("ip", [
                "netns", "exec", "augur-core", "curl", "-sS", "--cacert", ca, "--max-time", "30", "-X", "DELETE", "-H", "Authorization: Bearer \(token)",
                "https://10.201.0.1:7100/v1/images",
            ])
            let created = try await Testbed.tool("ip", [
                "netns", "exec", "augur-core", "curl", "-sS", "--cacert", ca, "--max-time", "120", "-X", "POST", "-H", "Authorization: Bearer \(token)",
                "-H", "content-type: application/json", "-d", #"{"content":"video1","flavor":"clickos"}"#, "https://10.201.0.1:7100/v1/instances?wait=true",
            ])
            let instance = try JSONSerialization.jsonObject(with: Data(created.utf8)) as? [String: Any]
            #expect(instance?["phase"] as? String == "ready", "\(created)")
            let image = instance?["image"] as? [String: Any]
            #expect(image?["pulled"] as? Bool == true)
            let spec = instance?["spec"] as? [String: Any]
            let address = spec?["address"] as? String ?? "none"
            #expect(address.hasPrefix("10.211.3."))
            let fetched = try await Testbed.tool("ip", ["netns", "exec", "augur-clients", "curl", "-s", "-o", "/dev/null", "--max-time", "20", "-w", "%{http_code} %{size_download}", "http://\(address):8080/video1"], failOnExit: false)
            #expect(fetched == "200 1048576")
            // The registry answers the core and the edges, never the clients, and only with its login.
            let login = try String(contentsOf: Testbed.root.appendingPathComponent(".augur/registry.credentials"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            func registry(from namespace: String, login: String? = nil) async throws -> String {
                let user = login.map { ["-u", $0] } ?? []
                return try await Testbed.tool(
                    "ip", ["netns", "exec", namespace, "curl", "-s", "-o", "/dev/null", "--max-time", "5", "-w", "%{http_code}"] + user + ["http://10.200.0.1:5000/v2/"], failOnExit: false)
            }
            #expect(try await registry(from: "augur-edge-1", login: login) == "200")
            #expect(try await registry(from: "augur-edge-1") == "401", "no anonymous pulls")
            #expect(try await registry(from: "augur-edge-1", login: "augur:not-the-password-0123") == "401")
            #expect(try await registry(from: "augur-clients", login: login) == "000")
        }
    }

    /// `augur replay --testbed` from the core: users in the clients' namespace, edges behind
    /// links reshaped to the run's 10 Mbps, each edge's image evicted first so that its first
    /// deploy pulls over that link, and the edges serving once their instances are ready.
    @Test func aReplayOnTheTestbedPullsOverTheShapedLinksAndServesFromTheEdges() async throws {
        let directory = Testbed.temporaryDirectory("testbed-replay")
        try "content: video1\nusers: [30, 30, 30, 30, 5, 5]\n".write(to: directory.appendingPathComponent("pattern.yaml"), atomically: true, encoding: .utf8)
        try """
            title: "testbed replay"
            pattern: pattern.yaml
            round: 2s
            cycles: 3
            runs:
              - {name: ema-10, model: "ema:3", edge_flavor: clickos, edge_bandwidth: 10Mbps}
            """.write(to: directory.appendingPathComponent("scenario.yaml"), atomically: true, encoding: .utf8)
        try await Self.withTestbed {
            let output = directory.appendingPathComponent("out")
            let text = try await Self.replay(directory.appendingPathComponent("scenario.yaml"), into: output)
            #expect(text.contains("[ema-10] edges empty"), "\(text)")
            let rounds = try Self.table(output.appendingPathComponent("rounds.csv"))
            #expect(rounds.count == 18, "18 rounds: \(text)")
            #expect(rounds.allSatisfy { $0["failed"] == "0" }, "no user failed: \(text)")
            #expect(rounds.contains { Int($0["answered_edge_instances"] ?? "") ?? 0 > 0 }, "the edges served: \(text)")
            let pulls = try Self.table(output.appendingPathComponent("deploys.csv")).filter { $0["pulled"] == "true" }
            #expect(!pulls.isEmpty, "some edge pulled its image: \(text)")
            for pull in pulls {
                let bytes = try #require(Double(pull["image_bytes"] ?? ""))
                let seconds = try #require(Double(pull["pull_s"] ?? ""))
                // Over a 10 Mbps link an image cannot arrive faster than 10 Mbps allows (with 25 % for the bucket's burst).
                #expect(bytes * 8 / seconds < 12.5e6, "\(pull)")
            }
        }
    }

    /// The testbed's client sites: each region's users resolve from their own namespace and
    /// address, and with regions on both sites are answered by their own region's edges;
    /// with regions off every download still succeeds, those answered by another region's
    /// edge crossing the core. A site reaches neither an operator nor the registry.
    @Test func aRegionalReplayOnTheTestbedAnswersEachSiteFromItsOwnRegion() async throws {
        let directory = Testbed.temporaryDirectory("testbed-regions")
        try """
            content: video1
            arrival: uniform
            sites:
              - {name: north, users: [5, 5, 30, 5]}
              - {name: south, users: [5, 5, 5, 5]}
            """.write(to: directory.appendingPathComponent("pattern.yaml"), atomically: true, encoding: .utf8)
        try """
            title: "testbed regions"
            pattern: pattern.yaml
            round: 2s
            cycles: 3
            runs:
              - {name: regional, model: "sarima:0,1,0,0,1,0,4", edge_flavor: clickos, policy: hybrid}
              - {name: anywhere, model: "sarima:0,1,0,0,1,0,4", edge_flavor: clickos, policy: hybrid, regions: false}
            """.write(to: directory.appendingPathComponent("scenario.yaml"), atomically: true, encoding: .utf8)
        try await Self.withTestbed {
            for target in ["http://10.201.0.1:7100/healthz", "http://10.200.0.1:5000/v2/"] {
                let reached = try await Testbed.tool(
                    "ip", ["netns", "exec", "augur-clients-south", "curl", "-s", "-o", "/dev/null", "--max-time", "3", "-w", "%{http_code}", target], failOnExit: false)
                #expect(reached == "000", "a site reaches no operator or registry: \(target) answered \(reached)")
            }
            let output = directory.appendingPathComponent("out")
            let text = try await Self.replay(directory.appendingPathComponent("scenario.yaml"), into: output)
            let sites = try Self.table(output.appendingPathComponent("sites.csv"))
            #expect(sites.count == 2 * 12 * 2, "two runs, twelve rounds, two sites: \(text)")
            #expect(sites.allSatisfy { $0["failed"] == "0" }, "no user failed, across the core included: \(text)")
            let summary = try JSONDecoder().decode(ReplaySummary.self, from: Data(contentsOf: output.appendingPathComponent("summary.json")))
            let regional = try #require(summary.runs.first { $0.name == "regional" }?.sites)
            // North's surge may find its edges full for a moment (2 s rounds), and go to the core.
            #expect((regional["north"]?.locality ?? 0) >= 0.9, "north is answered by its own region's edges: \(text)")
            #expect((regional["south"]?.locality ?? 0) >= 0.95, "south is answered by its own region's edges: \(text)")
        }
    }

    /// What the test reads of `summary.json`: each run's figures per site.
    struct ReplaySummary: Decodable {
        struct Run: Decodable {
            struct Site: Decodable { var locality: Double? }
            var name: String
            var sites: [String: Site]?
        }
        var runs: [Run]
    }

    /// Runs `body` with the testbed up (without the orchestrator) and checks that
    /// `testbed-down` leaves nothing; fails (it never passes unseen) when a testbed is
    /// already up, which it leaves alone.
    static func withTestbed(_ body: () async throws -> Void) async throws {
        guard try await !Testbed.tool("ip", ["netns", "list"]).contains("augur-core") else {
            Issue.record("a testbed is already up (augur-core exists), so this test cannot run: Scripts/testbed-down removes it")
            return
        }
        do {
            try await Testbed.tool("/usr/bin/env", ["AUGUR_BINARY=\(augur)", Testbed.root.appendingPathComponent("Scripts/testbed-up").path, "--without-orchestrator"])
            try await body()
        } catch {
            try await Testbed.script("testbed-down", [])
            throw error
        }
        try await Testbed.script("testbed-down", [])
        // The testbed's namespaces only: a nested Xen host (augur-xen, XenHostTests) may run beside it.
        let namespaces = try await Testbed.tool("ip", ["netns", "list"])
        #expect(!["augur-core", "augur-edge-", "augur-clients"].contains { namespaces.contains($0) }, "\(namespaces)")
        let left = try await Testbed.tool("pgrep", ["-f", "augur/testbed/|netns-testbed"], failOnExit: false)
        #expect(left.isEmpty, "left running: \(left)")
    }

    /// `augur replay --testbed` of `scenario` from the core, on the shipped testbed topology,
    /// its results in `output`; what it printed.
    static func replay(_ scenario: URL, into output: URL) async throws -> String {
        try await Testbed.tool("ip", [
            "netns", "exec", "augur-core", augur, "replay", "--testbed", "--scenario", scenario.path,
            "--topology", Testbed.root.appendingPathComponent("Topology/netns-testbed.yaml").path,
            "--content", Testbed.root.appendingPathComponent("Content/catalog.yaml").path,
            "--payloads", Testbed.root.appendingPathComponent("Content/payloads").path, "--output", output.path, "--log-level", "warning",
        ])
    }

    /// A CSV file's rows as column → value.
    static func table(_ file: URL) throws -> [[String: String]] {
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        guard let header = lines.first else { return [] }
        return lines.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }
}
