import Foundation
import TestSupport
import Testing

/// augur-uk's network path without Xen: the kernel's lwIP configuration and HTTP server on a
/// tap device in a namespace of the test's own, downloaded with curl and with Augur's own
/// client (`augur users --address`, AsyncHTTPClient, run inside the namespace): every catalog
/// object byte-identical, 64 downloads at once, a client that resets mid-download, and
/// pipelined, slow, malformed and oversized requests over real TCP. Needs root (namespace, tap).
@Suite(.serialized, .enabled(if: Testbed.runsAsRoot, "the tap device and its network namespace need root"))
struct UnikernelNetworkTests {
    static let probe = UnikernelBuild.source + "/host/http_probe.py"

    /// The catalog's payloads, generated into a folder of the test's own.
    static func catalogObjects() async throws -> [(name: String, file: URL)] {
        let folder = Testbed.temporaryDirectory("augur-uk-payloads")
        let output = try await Testbed.tool(try Testbed.augurBinary().path, [
            "content", "generate", "--content", Testbed.root.appendingPathComponent("Content/catalog.yaml").path, "--output", folder.path,
            "--topology", Testbed.root.appendingPathComponent("Topology/paper-testbed.yaml").path,
        ])
        let names = output.split(separator: "\n").compactMap { $0.split(separator: ":").first.map(String.init) }
        return names.map { ($0, folder.appendingPathComponent($0)) }
    }

    /// `users` users of Augur's own client downloading /`name` from the server at once, each
    /// result's status and SHA-256 as the client printed them.
    static func augurUsers(_ server: TapServer, name: String, users: Int) async throws -> [(failure: String?, bytes: Int, sha256: String?)] {
        let text = try await server.run([
            try Testbed.augurBinary().path, "users", name, "--users", "\(users)", "--address", TapServer.address, "--digest",
            "--content", Testbed.root.appendingPathComponent("Content/catalog.yaml").path,
            "--topology", Testbed.root.appendingPathComponent("Topology/paper-testbed.yaml").path,
        ])
        let results = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]], "\(text)")
        return results.map { ($0["failure"].map { "\($0)" }, $0["bytes"] as? Int ?? 0, $0["sha256"] as? String) }
    }

    static func sha256(_ file: URL) async throws -> String {
        String(try await Testbed.tool("sha256sum", [file.path]).prefix(64))
    }

    @Test(.timeLimit(.minutes(10)))
    func everyCatalogObjectIsServedByteIdentical() async throws {
        let objects = try await Self.catalogObjects()
        #expect(objects.count >= 4, "\(objects)")
        for (name, file) in objects {
            try await TapServer.serving(object: file, name: name) { server in
                let expected = try Data(contentsOf: file)
                let downloaded = Testbed.temporaryDirectory("augur-uk-curl").appendingPathComponent(name)
                let status = try await server.run(["curl", "-sS", "--max-time", "120", "-o", downloaded.path, "-w", "%{http_code}", "http://\(TapServer.address):8080/\(name)"])
                #expect(status == "200")
                #expect(try Data(contentsOf: downloaded) == expected, "curl: /\(name) byte-identical")
                #expect(try await server.openConnections() <= 1, "only the client's kept-alive connection may stay open")
                let augur = try await Self.augurUsers(server, name: name, users: 1)
                let digest = try await Self.sha256(file)
                #expect(augur.count == 1 && augur.allSatisfy { $0.failure == nil && $0.bytes == expected.count && $0.sha256 == digest }, "augur users: /\(name) byte-identical: \(augur)")
            }
        }
    }

    @Test(.timeLimit(.minutes(10)))
    func sixtyFourDownloadsAtOnceAndAClientThatVanishesMidDownload() async throws {
        let object = try #require(try await Self.catalogObjects().first { $0.name == "video5" }?.file, "the catalog has video5")
        try await TapServer.serving(object: object, name: "video5") { server in
            let folder = Testbed.temporaryDirectory("augur-uk-64")
            // xargs waits with waitpid: a shell's `wait` can sleep forever on a signal mask the
            // test runner hands down.
            let script = "seq 1 64 | xargs -P 64 -I{} curl -sS --max-time 300 -o \(folder.path)/{} http://\(TapServer.address):8080/video5"
            try await server.run(["sh", "-c", script])
            let expected = try Data(contentsOf: object)
            let identical = try (1...64).filter { try Data(contentsOf: folder.appendingPathComponent("\($0)")) == expected }.count
            #expect(identical == 64, "\(identical) of 64 concurrent curl downloads byte-identical")
            let augur = try await Self.augurUsers(server, name: "video5", users: 64)
            let digest = try await Self.sha256(object)
            let augurIdentical = augur.filter { $0.failure == nil && $0.bytes == expected.count && $0.sha256 == digest }.count
            #expect(augur.count == 64 && augurIdentical == 64, "\(augurIdentical) of 64 concurrent downloads by augur users byte-identical: \(augur.filter { $0.failure != nil }.prefix(3))")

            let vanished = try await server.run(["python3", Self.probe, TapServer.address, "8080", "vanish", "video5"])
            #expect(vanished.contains("\"received\""), "\(vanished)")
            var open = -1
            for _ in 0..<100 {
                open = try await server.openConnections()
                if open == 0 { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(open == 0, "the reset connection is released (\(open) open): \(server.output.suffix(500))")
            let after = Testbed.temporaryDirectory("augur-uk-after").appendingPathComponent("video5")
            try await server.run(["curl", "-sS", "--max-time", "60", "-o", after.path, "http://\(TapServer.address):8080/video5"])
            #expect(try Data(contentsOf: after) == expected, "the server serves on after the vanished client")
        }
    }

    @Test(.timeLimit(.minutes(5)))
    func pipelinedSlowMalformedAndOversizedRequestsOverTCP() async throws {
        let object = UnikernelBuild.object(bytes: 1 << 20, seed: 2)
        try await TapServer.serving(object: object, name: "video1") { server in
            func probe(_ mode: String) async throws -> (statuses: [Int], bodies: [Int], closed: Bool) {
                let text = try await server.run(["python3", Self.probe, TapServer.address, "8080", mode, "video1"])
                let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "\(text)")
                let responses = json["responses"] as? [[String: Any]] ?? []
                return (responses.compactMap { $0["status"] as? Int }, responses.compactMap { $0["body"] as? Int }, json["closed"] as? Bool ?? false)
            }
            let pipelined = try await probe("pipelined")
            #expect(pipelined.statuses == [200, 200, 404, 405, 200], "\(pipelined)")
            #expect(pipelined.bodies == [1 << 20, 0, 10, 19, 6] && pipelined.closed, "GET, HEAD, a miss, a DELETE with a body skipped, then close: \(pipelined)")
            let slow = try await probe("slow")
            #expect(slow.statuses == [200] && slow.bodies == [1 << 20] && !slow.closed, "a request a byte at a time: \(slow)")
            let malformed = try await probe("malformed")
            #expect(malformed.statuses == [400] && malformed.closed, "a space before the colon: 400, and nothing after it is answered: \(malformed)")
            let oversized = try await probe("oversized")
            #expect(oversized.statuses == [431] && oversized.closed, "a header section past 8 KB: 431, read before the close: \(oversized)")
        }
    }
}
