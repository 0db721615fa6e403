import AugurModel
import Foundation
import Logging
import TestSupport
import Testing
import TestbedNetwork

/// The testbed's network for real: namespaces, shaped links, local pools and routes, under a
/// prefix of its own so a running testbed is not touched. Needs root.
@Suite(.serialized) struct TestbedNetworkTests {
    @Test(.enabled(if: Testbed.runsAsRoot, "needs root: dockerd, the registry, network namespaces and the edges' daemons")) func usersReachEdgesOverTheirOwnLinkAndTheCoreLinkIsShaped() async throws {
        let plan = try TestbedPlan(topology: TestbedTopology.load(), prefix: "augtest")
        let network = TestbedNetwork(plan: plan, logger: Testbed.logger("testbed-network"))
        do {
            try await network.up(edgeBitsPerSecond: 10_000_000)
            let served = Testbed.temporaryDirectory("testbed-network")
            try Data(repeating: 0x5a, count: 2 << 20).write(to: served.appendingPathComponent("object"))
            // An HTTP server on an address of edge-1's emulated pool, inside edge-1's namespace.
            let server = Process()
            server.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            server.arguments = ["ip", "netns", "exec", "augtest-edge-1", "python3", "-m", "http.server", "--bind", "10.211.3.9", "--directory", served.path, "8080"]
            try server.run()
            // SIGKILL: under the test runner, SIGTERM left the server running and the test waiting.
            defer { kill(server.processIdentifier, SIGKILL) }
            func fetch(from namespace: String) async throws -> (bytes: Int, bytesPerSecond: Double) {
                var output = ""
                for _ in 0..<300 {
                    output = try await Testbed.tool("ip", ["netns", "exec", namespace, "curl", "-s", "-o", "/dev/null", "--max-time", "20", "-w", "%{size_download} %{speed_download}", "http://10.211.3.9:8080/object"], failOnExit: false)
                    if output.hasPrefix("2097152") { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                let fields = output.split(separator: " ")
                return (Int(fields.first ?? "") ?? 0, Double(fields.last ?? "") ?? 0)
            }
            let byClients = try await fetch(from: "augtest-clients")
            #expect(byClients.bytes == 2 << 20)
            let byCore = try await fetch(from: "augtest-core")
            #expect(byCore.bytes == 2 << 20)
            // 10 Mbps is 1.25 MB/s; the bucket's burst allows a little more over 2 MiB, never 2×.
            #expect(byCore.bytesPerSecond < 1_600_000)
            // The clients' link (200 Mbps) does not cross the 10 Mbps core link.
            #expect(byClients.bytesPerSecond > byCore.bytesPerSecond)
            // Nothing routes from the clients to an edge's operator: only its instances are reachable.
            let operatorAnswer = try await Testbed.tool("ip", ["netns", "exec", "augtest-clients", "curl", "-s", "--max-time", "2", "-o", "/dev/null", "-w", "%{http_code}", "http://10.201.0.1:7100/v1/node"], failOnExit: false)
            #expect(operatorAnswer == "000")
        } catch {
            await network.down()
            throw error
        }
        await network.down()
        let left = try await Testbed.tool("ip", ["netns", "list"])
        #expect(!left.contains("augtest-"))
    }
}
