import AugurModel
import Foundation
import Orchestrator
import Planning
import Testing
import TestSupport

extension LoopServices {
    /// The real `augur serve` process with its edges in process, killed with SIGKILL while
    /// instances are on their way up, and started again on the same data directory.
    @Suite struct ServeProcessTests {
        static let dnsPort = 5391
        static let api = "127.0.0.1:7180"

        /// A two-edge topology of the paper's shape whose operators keep their state in `directory`.
        static func topology(_ directory: URL, interval: String = "1s") -> String {
            """
            zone: cdn.example.
            single_host: true
            service_port: 8080
            registry: 127.0.0.1:5000
            token_file: \(directory.appendingPathComponent("token").path)
            dns:
              listen: ["127.0.0.1:\(dnsPort)"]
              ttl: 1
              max_records: 8
              max_udp_payload: 1232
              interval: \(interval)
              nameservers:
                - {name: ns1, address: 127.0.0.1}
            core:
              name: core
              instance_limit: 8
              pools:
                docker: 127.10.0.0/24
              static_instances:
                - {content: video1, flavor: flask, address: 127.10.0.1}
            edges:
              - name: edge-1
                instance_limit: 8
                link: {bandwidth: 100Mbps, delay: 2ms}
                pools: {xen: 127.11.1.0/24, docker: 127.11.2.0/24, emulated: 127.11.3.0/24}
                operator: {listen: 127.0.0.1:7181, state_directory: \(directory.appendingPathComponent("edge-1").path)}
              - name: edge-2
                instance_limit: 8
                link: {bandwidth: 100Mbps, delay: 2ms}
                pools: {xen: 127.12.1.0/24, docker: 127.12.2.0/24, emulated: 127.12.3.0/24}
                operator: {listen: 127.0.0.1:7182, state_directory: \(directory.appendingPathComponent("edge-2").path)}

            """
        }

        /// The registry with MirageOS's video1 artifact, its payload, and a folder holding the topology.
        static func prepare(_ name: String, interval: String = "1s") async throws -> (directory: URL, payloads: URL) {
            let configuration = try LoopBed.configuration()
            let payloads = try await LoopBed.prepare(configuration, content: "video1", flavor: "mirage")
            let directory = Testbed.temporaryDirectory(name)
            try topology(directory, interval: interval).write(to: directory.appendingPathComponent("topology.yaml"), atomically: true, encoding: .utf8)
            return (directory, payloads)
        }

        /// `augur serve` on `directory`'s topology; `publicRead` lets the tests' plain `curl` read the API.
        static func start(_ directory: URL, payloads: URL, run: Int, publicRead: Bool = true, extraArguments: [String] = []) throws -> ChildProcess {
            try ChildProcess(
                Testbed.augurBinary(),
                [
                    "serve", "--topology", directory.appendingPathComponent("topology.yaml").path,
                    "--content", RepositoryFiles.path(RepositoryFiles.catalog), "--flavors", RepositoryFiles.path(RepositoryFiles.flavors),
                    "--api", api, "--data", directory.appendingPathComponent("data").path, "--payloads", payloads.path,
                    "--model", "ema:1", "--training", "1", "--edge-flavors", "mirage", "--dns-grace", "0.5", "--drain", "1", "--workers", "1",
                ] + (publicRead ? ["--public-read"] : []) + extraArguments,
                in: directory, log: directory.appendingPathComponent("serve-\(run).log"))
        }

        static func get(_ path: String) async -> String? {
            try? await Testbed.tool("curl", ["-sf", "--max-time", "2", "http://\(api)\(path)"])
        }

        static func users(_ count: Int, directory: URL) async throws {
            let file = directory.appendingPathComponent("queries-\(count)")
            try String(repeating: "video1.cdn.example A\n", count: count).write(to: file, atomically: true, encoding: .utf8)
            try await Testbed.tool("dnsperf", ["-s", "127.0.0.1", "-p", "\(dnsPort)", "-d", file.path, "-n", "1", "-c", "4", "-t", "2"])
        }

        /// The live instances `GET /v1/instances` reports: id → (phase, answered).
        static func instances() async -> [String: (phase: String, answered: Bool)]? {
            guard let text = await get("/v1/instances"), let items = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]] else { return nil }
            var found: [String: (phase: String, answered: Bool)] = [:]
            for item in items {
                guard let instance = item["instance"] as? [String: Any], let spec = instance["spec"] as? [String: Any], let id = spec["id"] as? String else { continue }
                found[id] = (instance["phase"] as? String ?? "", item["answered"] as? Bool ?? false)
            }
            return found
        }

        @Test(.enabled(if: Testbed.runsAsRoot, "needs root: dockerd, the registry, network namespaces and the edges' daemons")) func killedMidDeployItRestartsReconcilesAndLeavesNothingOrphaned() async throws {
            let (directory, payloads) = try await Self.prepare("serve")
            let edgePools = ["127.11.3.0/24", "127.12.3.0/24"].compactMap(IPPrefix.init)
            let isEdge: @Sendable (String) -> Bool = { address in IPAddress(address).map { ip in edgePools.contains { $0.contains(ip) } } ?? false }

            var process = try Self.start(directory, payloads: payloads, run: 1)
            #expect(await LoopBed.eventually(30) { await Self.get("/v1/status") != nil }, "augur serve answers its API")
            // 60 users: once the one training interval is over, two MirageOS instances join the core's.
            var caught: [String: (phase: String, answered: Bool)] = [:]
            for _ in 0..<4 where caught.isEmpty {
                try await Self.users(60, directory: directory)
                _ = await LoopBed.eventually(1.2) {
                    caught = (await Self.instances() ?? [:]).filter { $0.value.phase == "pulling" || $0.value.phase == "booting" }
                    return !caught.isEmpty
                }
            }
            try #require(!caught.isEmpty, "no deploy was seen on its way up")
            #expect(await process.stop(SIGKILL) == .signalled(SIGKILL))

            process = try Self.start(directory, payloads: payloads, run: 2)
            #expect(await LoopBed.eventually(30) { await Self.get("/v1/status") != nil })
            // Every 100 ms: its own lookups (under 10 an interval) stay below what the core's
            // static instance serves (20), so once the users stop nothing more is deployed.
            let checker = AnswerChecker(isEdge: isEdge, period: .milliseconds(100)) { Set((try? await AnswerChecker.dig(Self.dnsPort)) ?? []) }
            let checking = Task { await checker.run() }
            // Demand goes on for a few intervals: the instances caught on their way up are
            // followed to ready and answered (the edges found them again), nothing else.
            var answeredEdge = false
            for _ in 0..<4 {
                try await Self.users(60, directory: directory)
                let now = await Self.instances() ?? [:]
                answeredEdge = answeredEdge || now.contains { $0.value.answered }
                try await Task.sleep(for: .milliseconds(700))
            }
            #expect(answeredEdge, "edge instances were answered after the restart")
            // Demand stops: everything drains and is destroyed, each once twice the zone's TTL
            // (1 s) has passed since it left DNS (`--dns-grace 0.5` cannot shorten that).
            let drained = await LoopBed.eventually(30) { (await Self.instances())?.isEmpty == true }
            let remaining = await Self.instances() ?? [:]
            #expect(drained, "still live: \(remaining)")
            await checker.stop()
            await checking.value
            let report = await checker.report()
            #expect(report.edgeAnswers > 0)
            let notServing = report.notServing
            #expect(notServing.isEmpty, "DNS answered addresses that did not serve: \(notServing)")
            let events = await Self.get("/v1/events?limit=1000") ?? ""
            for id in caught.keys { #expect(events.contains(id), "the instance caught mid-deploy is accounted for: \(id)") }
            #expect(await process.stop() == .exited(0), "SIGTERM stops augur serve clean: \(process.output.suffix(2_000))")
            // Nothing orphaned: no instance process runs from either edge's state.
            // pgrep exits 1 when nothing matches; a missing pgrep still fails the test.
            let leftovers = try await Testbed.tool("pgrep", ["-f", directory.path], failOnExit: false)
            #expect(leftovers.isEmpty, "processes left: \(leftovers)")
        }

        /// The stored closed intervals, newest first.
        static func plans() async throws -> [IntervalRecord] {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode([IntervalRecord].self, from: Data(try #require(await get("/v1/plans?limit=100")).utf8))
        }

        @Test(.enabled(if: Testbed.runsAsRoot, "needs root: the registry and the edges' daemons")) func aSIGTERMMidIntervalStoresNoPartialIntervalAndAPolicySetThroughTheAPISurvivesTheRestart() async throws {
            let (directory, payloads) = try await Self.prepare("serve-stop", interval: "4s")
            var process = try Self.start(directory, payloads: payloads, run: 1)
            #expect(await LoopBed.eventually(30) { await Self.get("/v1/status") != nil }, "augur serve answers its API")
            let token = try String(contentsOf: directory.appendingPathComponent("token"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let changed = try await Testbed.tool("curl", [
                "-sf", "--max-time", "5", "-X", "PUT", "-H", "Authorization: Bearer \(token)", "-H", "Content-Type: application/json",
                "--data", #"{"policy":"hybrid"}"#, "http://\(Self.api)/v1/content/video1",
            ])
            #expect(changed.contains(#""policy":"hybrid""#), "\(changed)")
            // Into the second interval, a few lookups (fewer than the core's instance serves), then the stop.
            #expect(try await LoopBed.eventually(30) { try await Self.plans().count >= 1 }, "the first interval closed")
            try await Self.users(5, directory: directory)
            try await Task.sleep(for: .milliseconds(1_500))
            #expect(await process.stop() == .exited(0), "SIGTERM stops augur serve clean: \(process.output.suffix(2_000))")

            process = try Self.start(directory, payloads: payloads, run: 2)
            #expect(await LoopBed.eventually(30) { await Self.get("/v1/status") != nil })
            let stored = try await Self.plans()
            #expect(!stored.isEmpty)
            for record in stored {
                #expect(record.end.timeIntervalSince(record.start) > 3.5, "interval \(record.interval) is stored with \(record.end.timeIntervalSince(record.start)) s of 4 s")
            }
            let events = await Self.get("/v1/events?limit=1000") ?? ""
            #expect(events.contains("cut short by the stop"), "the cut interval is accounted for")
            let contents = try #require(await Self.get("/v1/content"))
            #expect(contents.contains(#""name":"video1""#))
            let video1 = try #require(try JSONSerialization.jsonObject(with: Data(contents.utf8)) as? [[String: Any]]).first { $0["name"] as? String == "video1" }
            #expect(video1?["policy"] as? String == "hybrid", "the policy set through the API before the stop: \(contents)")
            await process.stop()
        }
    }
}
