import Foundation
import TestSupport
import Testing

/// The nested Xen host for real (`Scripts/xen-host`): Debian's Xen under QEMU's software
/// emulation, `augur edge --xen xl` in its dom0, a `xen-linux` guest deployed through the
/// operator's API and serving the content, the operator killed and finding its domain again
/// through `xl`, a drain and delete that `xl list` confirms, a corrupt kernel failing cleanly,
/// and nothing left after `down`; then Augur's own unikernel (`augur-uk`) the same way: its
/// bytes, a drain that waits for a slow download, an operator restart, and an artifact that
/// would set the guest's address itself refused. Needs root
/// (namespaces, tap, QEMU); several minutes.
@Suite(.serialized, .enabled(if: Testbed.runsAsRoot, "the nested Xen host needs root (network namespace, tap device)"))
struct XenHostTests {
    static let augur = Testbed.root.appendingPathComponent(".build/debug/augur").path
    static let operatorURL = "https://10.220.0.2:7100"
    static let ca = Testbed.root.appendingPathComponent(".augur/tls/ca.pem").path

    @Test(.timeLimit(.minutes(30)))
    func aRealXenGuestServesSurvivesAnOperatorRestartDrainsAndACorruptKernelFailsCleanly() async throws {
        let output = try await Testbed.script("xen-host", ["up", "--augur", Self.augur])
        do {
            // dom0's initramfs held the token: its folder is root's alone, and it is gone.
            let run = try FileManager.default.attributesOfItem(atPath: "/run/augur/xen-host/augur-xen")
            #expect((run[.posixPermissions] as? Int) == 0o700)
            #expect(!FileManager.default.fileExists(atPath: "/run/augur/xen-host/augur-xen/dom0.cpio"))
            try await Self.theLinkIsTLSWithTheEdgesOwnToken()
            try await Self.exercise(upOutput: output)
            try await Self.exerciseAugurUK()
        } catch {
            _ = try? await Testbed.script("xen-host", ["down"])
            throw error
        }
        try await Testbed.script("xen-host", ["down"])
        let left = try await Testbed.tool("pgrep", ["-f", "qemu-system-x86_64.*axtap0"], failOnExit: false)
        #expect(left.isEmpty, "no QEMU left: \(left)")
        let namespaces = try await Testbed.tool("ip", ["netns", "list"])
        #expect(!namespaces.contains("augur-xen"), "\(namespaces)")
    }

    private static func exercise(upOutput: String) async throws {
        let lines = upOutput.split(separator: "\n")
        #expect(lines.last == "xen host ready: operator at 10.220.0.2:7100 in netns augur-xen", "\(upOutput)")

        // A guest of a real PV kernel, its address on its kernel command line, serving the content.
        let created = try await api("POST", "/v1/instances?wait=true", body: #"{"content":"video5","flavor":"xen-linux"}"#)
        #expect(created["phase"] as? String == "ready", "\(created)")
        #expect(created["emulated"] as? Bool == false)
        let spec = try #require(created["spec"] as? [String: Any])
        #expect(spec["runtime"] as? String == "xen")
        let id = try #require(spec["id"] as? String)
        let address = try #require(spec["address"] as? String)
        let domain = try #require((created["handle"] as? [String: Any])?["runtimeID"] as? String)
        let served = Testbed.temporaryDirectory("xen-download").appendingPathComponent("video5")
        let fetched = try await Testbed.tool("ip", [
            "netns", "exec", "augur-xen", "curl", "-sS", "--max-time", "60", "-o", served.path, "-w", "%{http_code}", "http://\(address):8080/video5",
        ])
        #expect(fetched == "200")
        let payload = try Data(contentsOf: Testbed.root.appendingPathComponent("Content/payloads/video5"))
        #expect(try Data(contentsOf: served) == payload, "the guest served the content's bytes")
        #expect(try await dom0("xl list").contains(domain))

        // The operator dies with SIGKILL; init starts it again and it finds the domain through xl.
        try await dom0("kill -9 $(pidof augur)")
        let recovered = try await eventually {
            let listed = try await api("GET", "/v1/instances/\(id)?wait=settled")
            return listed["phase"] as? String == "ready" ? listed : nil
        }
        #expect((recovered["handle"] as? [String: Any])?["runtimeID"] as? String == domain)

        // Drain and delete: the domain leaves xl's list.
        let gone = try await api("DELETE", "/v1/instances/\(id)?drain=10&wait=true")
        #expect(gone["phase"] as? String == "gone", "\(gone)")
        #expect(try await !dom0("xl list").contains(domain))

        // A corrupt kernel: failed with xl's own message, no domain, no file, the address free.
        let corrupt = Testbed.temporaryDirectory("xen-corrupt").appendingPathComponent("vmlinuz")
        try Data(repeating: 0x5a, count: 1 << 20).write(to: corrupt)
        let failed = try await failedDeploy(flavor: "xen-linux", kernel: corrupt, tag: "corrupt")
        let failure = failed["failure"] as? String ?? ""
        #expect(failure.contains("xen create failed") && failure.contains("libxl"), "xl's own message: \(failure)")
        #expect(try await !dom0("xl list").contains("augur-"))
        #expect(try await dom0("ls /var/lib/augur/edge/xen").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        let failedAddress = try #require((failed["spec"] as? [String: Any])?["address"] as? String)
        let reused = try await api("POST", "/v1/instances", body: #"{"content":"video1","flavor":"xen-linux","address":"\#(failedAddress)"}"#)
        #expect((reused["spec"] as? [String: Any])?["address"] as? String == failedAddress, "the address is free again: \(reused)")
        if let reusedID = (reused["spec"] as? [String: Any])?["id"] as? String {
            _ = try await api("DELETE", "/v1/instances/\(reusedID)?drain=0&wait=true")
        }
    }

    private static func exerciseAugurUK() async throws {
        let created = try await api("POST", "/v1/instances?wait=true", body: #"{"content":"video5","flavor":"augur-uk"}"#)
        #expect(created["phase"] as? String == "ready", "\(created)")
        #expect(created["emulated"] as? Bool == false)
        let spec = try #require(created["spec"] as? [String: Any])
        #expect(spec["memoryMegabytes"] as? Int == 12, "sized by the flavor's memory_mb for a 5 MB object: \(spec)")
        let id = try #require(spec["id"] as? String)
        let address = try #require(spec["address"] as? String)
        let domain = try #require((created["handle"] as? [String: Any])?["runtimeID"] as? String)
        let payload = try Data(contentsOf: Testbed.root.appendingPathComponent("Content/payloads/video5"))
        let served = Testbed.temporaryDirectory("uk-download").appendingPathComponent("video5")
        let fetched = try await Testbed.tool("ip", [
            "netns", "exec", "augur-xen", "curl", "-sS", "--max-time", "60", "-o", served.path, "-w", "%{http_code}", "http://\(address):8080/video5",
        ])
        #expect(fetched == "200")
        #expect(try Data(contentsOf: served) == payload, "augur-uk served the content's bytes")

        try await dom0("kill -9 $(pidof augur)")
        let recovered = try await eventually {
            let listed = try await api("GET", "/v1/instances/\(id)?wait=settled")
            return listed["phase"] as? String == "ready" ? listed : nil
        }
        #expect((recovered["handle"] as? [String: Any])?["runtimeID"] as? String == domain, "the restarted operator found the guest")

        // A download at 1 MB/s (about 5 s) holds the drain; it completes byte for byte.
        let slow = Testbed.temporaryDirectory("uk-slow").appendingPathComponent("video5")
        let download = Task {
            try await Testbed.tool("ip", [
                "netns", "exec", "augur-xen", "curl", "-sS", "--limit-rate", "1M", "--max-time", "60", "-o", slow.path, "http://\(address):8080/video5",
            ])
        }
        try await Task.sleep(for: .seconds(1))
        let clock = ContinuousClock()
        let drainStarted = clock.now
        let gone = try await api("DELETE", "/v1/instances/\(id)?drain=30&wait=true")
        let drained = clock.now - drainStarted
        _ = try await download.value
        #expect(gone["phase"] as? String == "gone", "\(gone)")
        #expect(drained > .seconds(2), "the drain waited for the download (\(drained))")
        #expect(try Data(contentsOf: slow) == payload, "the drained download is whole")
        #expect(try await !dom0("xl list").contains(domain))

        // An artifact that names the guest's address itself is refused when it is pushed: the
        // guest's identity is the driver's (a registry artifact could take another's address).
        let image = Testbed.root.appendingPathComponent(".build/unikernel/images/augur-uk-video1.elf")
        let refused = try await Testbed.tool("ip", [
            "netns", "exec", "augur-xen", augur, "image", "push-unikernel", "--topology", path("Topology/xen-edge.yaml"),
            "--content", path("Content/catalog.yaml"), "--flavor", "augur-uk", "--object", "video1", "--kernel", image.path, "--tag", "broken",
            "--domain-setting", "extra=augur.address=10.220.0.99",
        ], failOnExit: false)
        #expect(refused.contains("driver's own keys") && refused.contains("augur.address"), "\(refused)")
        #expect(try await !dom0("xl list").contains("augur-"))
    }

    /// Pushes `kernel` as video1's artifact of `flavor` under `tag` and deploys it, which
    /// must fail; returns the operator's answer.
    private static func failedDeploy(flavor: String, kernel: URL, tag: String) async throws -> [String: Any] {
        try await Testbed.tool("ip", [
            "netns", "exec", "augur-xen", augur, "image", "push-unikernel", "--topology", path("Topology/xen-edge.yaml"),
            "--content", path("Content/catalog.yaml"), "--flavor", flavor, "--object", "video1", "--kernel", kernel.path, "--tag", tag,
        ])
        let failed = try await api(
            "POST", "/v1/instances?wait=true", body: #"{"content":"video1","flavor":"\#(flavor)","image":"10.220.0.1:5000/augur/\#(flavor):\#(tag)"}"#)
        #expect(failed["phase"] as? String == "failed", "\(failed)")
        return failed
    }

    /// The edge link: plain HTTP gets no answer, a certificate checked against another CA is
    /// refused, and the orchestrator's own token does not open the edge.
    private static func theLinkIsTLSWithTheEdgesOwnToken() async throws {
        func status(_ arguments: [String]) async throws -> String {
            try await Testbed.tool("ip", ["netns", "exec", "augur-xen", "curl", "-s", "--max-time", "10", "-o", "/dev/null", "-w", "%{http_code}"] + arguments, failOnExit: false)
        }
        #expect(try await status(["http://10.220.0.2:7100/healthz"]) == "000", "no plain HTTP on a TLS link")
        #expect(try await status(["https://10.220.0.2:7100/healthz"]) == "000", "the system's trust store does not know the topology's CA")
        #expect(try await status(["--cacert", ca, "https://10.220.0.2:7100/healthz"]) == "200")
        let orchestrators = (try? String(contentsOf: Testbed.root.appendingPathComponent(".augur/token"), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "another-site-\(UUID())"
        #expect(try await status(["--cacert", ca, "-H", "Authorization: Bearer \(orchestrators)", "https://10.220.0.2:7100/v1/instances"]) == "401")
    }

    /// One call to the dom0 operator's API from the namespace, over HTTPS with the edge's own token.
    private static func api(_ method: String, _ route: String, body: String? = nil) async throws -> [String: Any] {
        let token = try String(contentsOf: Testbed.root.appendingPathComponent(".augur/xen-1.token"), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        var arguments = ["netns", "exec", "augur-xen", "curl", "-sS", "--cacert", ca, "--max-time", "400", "-X", method, "-H", "Authorization: Bearer \(token)"]
        if let body { arguments += ["-H", "content-type: application/json", "-d", body] }
        let text = try await Testbed.tool("ip", arguments + [operatorURL + route])
        return try #require(JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
    }

    /// A shell command in dom0, through `Scripts/xen-host exec`.
    @discardableResult
    private static func dom0(_ command: String) async throws -> String {
        try await Testbed.script("xen-host", ["exec", "--", command])
    }

    /// Retries `probe` (errors included) for up to five minutes until it returns a value.
    private static func eventually(_ probe: () async throws -> [String: Any]?) async throws -> [String: Any] {
        for _ in 0..<300 {
            if let value = try? await probe() { return value }
            try await Task.sleep(for: .seconds(1))
        }
        throw TestbedError(description: "the operator did not find its guest again within five minutes")
    }

    private static func path(_ relative: String) -> String {
        Testbed.root.appendingPathComponent(relative).path
    }
}
