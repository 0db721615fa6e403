import Foundation
import TestSupport

/// augur-uk's network path on this machine (`augur-uk-host`: lwIP and the HTTP server of the
/// kernel over a tap device) in a network namespace of the test's own: lwIP answers at
/// 10.77.0.2, the namespace's end of the tap is 10.77.0.1.
final class TapServer: @unchecked Sendable {
    static let address = "10.77.0.2"
    let namespace: String
    let tap: String
    private let process = Process()
    private let log: URL

    private init(namespace: String, tap: String, log: URL) {
        self.namespace = namespace
        self.tap = tap
        self.log = log
    }

    /// Builds the host server, makes the namespace and serves `object` as /`name` on port 8080.
    static func start(object: URL, name: String) async throws -> TapServer {
        try await UnikernelBuild.make(["host"])
        let suffix = UUID().uuidString.prefix(6).lowercased()
        let server = TapServer(namespace: "augur-uk-\(suffix)", tap: "uk\(suffix)", log: Testbed.temporaryDirectory("augur-uk-host").appendingPathComponent("server.log"))
        try await Testbed.tool("ip", ["netns", "add", server.namespace])
        do {
            try await Testbed.tool("ip", ["-n", server.namespace, "link", "set", "lo", "up"])
            _ = FileManager.default.createFile(atPath: server.log.path, contents: nil)
            let handle = try FileHandle(forWritingTo: server.log)
            server.process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            server.process.arguments = [
                "ip", "netns", "exec", server.namespace, UnikernelBuild.folder.appendingPathComponent("augur-uk-host").path,
                "--tap", server.tap, "--object", object.path, "--name", name, "augur.address=\(address)/24 augur.port=8080",
            ]
            server.process.standardOutput = handle
            server.process.standardError = handle
            try server.process.run()
            try await server.waitFor("serving /\(name)")
            try await Testbed.tool("ip", ["-n", server.namespace, "addr", "add", "10.77.0.1/24", "dev", server.tap])
            try await Testbed.tool("ip", ["-n", server.namespace, "link", "set", server.tap, "up"])
            return server
        } catch {
            await server.stop()
            throw error
        }
    }

    /// Runs `body` with a server of `object` as /`name`, stopped afterwards whatever happens.
    static func serving(object: URL, name: String, _ body: (TapServer) async throws -> Void) async throws {
        let server = try await start(object: object, name: name)
        do {
            try await body(server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    /// A command run inside the namespace.
    @discardableResult
    func run(_ arguments: [String], failOnExit: Bool = true) async throws -> String {
        try await Testbed.tool("ip", ["netns", "exec", namespace] + arguments, failOnExit: failOnExit)
    }

    /// The connections the server holds open now (it prints them on SIGUSR1).
    func openConnections() async throws -> Int {
        let before = (try? String(contentsOf: log, encoding: .utf8))?.components(separatedBy: "connections: ").count ?? 0
        kill(process.processIdentifier, SIGUSR1)
        for _ in 0..<200 {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            let parts = text.components(separatedBy: "connections: ")
            if parts.count > before, let count = Int(parts.last?.prefix(while: \.isNumber) ?? "") { return count }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestbedError(description: "augur-uk-host did not report its connections: \(output)")
    }

    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    private func waitFor(_ text: String) async throws {
        for _ in 0..<500 {
            if output.contains(text) { return }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestbedError(description: "augur-uk-host did not start: \(output)")
    }

    func stop() async {
        if process.isRunning {
            process.terminate()
            for _ in 0..<300 where process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
        }
        _ = try? await Testbed.tool("ip", ["netns", "del", namespace], failOnExit: false)
    }
}
