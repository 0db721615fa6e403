import AsyncHTTPClient
import AugurModel
import Foundation
import Logging
import NIOFoundationCompat
import Testing
@testable import EdgeOperator

/// The repository's scripts and configuration, and the real services the tests start with them.
enum Testbed {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let registry = "127.0.0.1:5000"
    static let logger: Logger = {
        var logger = Logger(label: "augur.edge.test", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .debug
        return logger
    }()

    /// The shipped configuration, with edge-1's operator pointed at the given dockerd and state directory.
    static func configuration(dockerSocket: String = "/run/augur/edge-test/docker.sock", stateDirectory: String? = nil) throws -> (AugurConfiguration, Node) {
        func document(_ path: String) throws -> ConfigDocument {
            try ConfigDocument(file: path, text: String(contentsOf: root.appendingPathComponent(path), encoding: .utf8))
        }
        let configuration = try AugurConfiguration.decode(
            topology: document("Topology/paper-testbed.yaml"), flavors: document("Topology/flavors.yaml"), catalog: document("Content/catalog.yaml"))
        var node = try #require(configuration.topology.node(named: "edge-1"))
        node.operatorSettings = OperatorSettings(
            dockerSocket: dockerSocket, stateDirectory: stateDirectory ?? temporaryDirectory("state").path, nodeName: node.name)
        return (configuration, node)
    }

    /// Runs a script from `Scripts/` and fails the test with its output when it fails. The wait
    /// happens on a thread of its own: blocking the few cooperative threads would starve the
    /// dispatch source that notices the child's exit.
    @discardableResult
    static func script(_ name: String, _ arguments: [String]) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try runScript(name, arguments) }) }
        }
    }

    private static func runScript(_ name: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = root.appendingPathComponent("Scripts/\(name)")
        process.arguments = arguments
        // Output goes to a file, not a pipe: daemons the script starts inherit the descriptor,
        // and a pipe would then never reach end-of-file.
        let log = temporaryDirectory("script").appendingPathComponent("\(name).log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            throw TestbedError(description: "Scripts/\(name) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(text)")
        }
        return text
    }

    static func temporaryDirectory(_ label: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("augur-\(label)-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// The payload of a catalog item, written to a temporary file.
    static func payload(_ item: ContentItem) throws -> URL {
        let generated = try #require(GeneratedPayload(item))
        let url = temporaryDirectory("payload").appendingPathComponent(item.name)
        try Data(generated.bytes()).write(to: url)
        return url
    }

    /// Whether the tests run as root, which dockerd, network-host containers and the edge's
    /// daemons need; prints why they skip otherwise.
    static var runsAsRoot: Bool {
        guard getuid() == 0 else {
            print("skipped: dockerd and the registry need root")
            return false
        }
        return true
    }

    /// Registry up, the build dockerd up, and `augur/nginx:<content>` built and pushed;
    /// then a fresh edge dockerd (`edge-test`) with an empty image cache.
    static func dockerEdge(content: ContentItem) async throws -> String {
        try await script("registry", ["start", registry])
        try await script("build-images", ["--flavors", "nginx", "--registry", registry, "\(content.name)=\(try payload(content).path)"])
        try await script("edge-dockerd", ["start", "edge-test"])
        return "/run/augur/edge-test/docker.sock"
    }
}

struct TestbedError: Error, CustomStringConvertible {
    var description: String
}

/// Downloads a URL with a plain HTTP client.
func download(_ url: String) async throws -> (status: Int, body: Data) {
    let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
    let body = try await response.body.collect(upTo: 64 << 20)
    return (Int(response.status.code), Data(buffer: body))
}

/// Every test that starts real services (registry, dockerd, nginx) runs inside this suite,
/// one at a time: they share the registry, the edge dockerd and the edge's address pools.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct EdgeServices {}
