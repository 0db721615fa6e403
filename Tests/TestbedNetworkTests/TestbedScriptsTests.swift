import Foundation
import TestSupport
import Testing

/// `Scripts/testbed-up` and `testbed-down` for real: every edge's dockerd and operator in its
/// namespace, a deploy that pulls from the core's registry over the shaped link, users served
/// from the clients' namespace, and nothing left afterwards. Needs root; leaves a testbed
/// someone is running alone.
@Suite(.serialized) struct TestbedScriptsTests {
    @Test func anEdgeDeployPullsOverItsLinkAndServesTheClients() async throws {
        guard Testbed.runsAsRoot else { return }
        guard try await !Testbed.tool("ip", ["netns", "list"]).contains("augur-core") else {
            print("skipped: a testbed is up (augur-core exists); Scripts/testbed-down removes it")
            return
        }
        let augur = Testbed.root.appendingPathComponent(".build/debug/augur").path
        do {
            try await Testbed.tool("/usr/bin/env", ["AUGUR_BINARY=\(augur)", Testbed.root.appendingPathComponent("Scripts/testbed-up").path, "--without-orchestrator"])
            let token = try String(contentsOf: Testbed.root.appendingPathComponent(".augur/token"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let created = try await Testbed.tool("ip", [
                "netns", "exec", "augur-core", "curl", "-sS", "--max-time", "120", "-X", "POST", "-H", "Authorization: Bearer \(token)",
                "-H", "content-type: application/json", "-d", #"{"content":"video1","flavor":"clickos"}"#, "http://10.201.0.1:7100/v1/instances?wait=true",
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
        } catch {
            try await Testbed.script("testbed-down", [])
            throw error
        }
        try await Testbed.script("testbed-down", [])
        #expect(try await !Testbed.tool("ip", ["netns", "list"]).contains("augur-"))
        let left = try await Testbed.tool("pgrep", ["-f", "augur/testbed/|netns-testbed"], failOnExit: false)
        #expect(left.isEmpty, "left running: \(left)")
    }
}
