import AsyncHTTPClient
import AugurModel
import Foundation
import Logging
import NIOFoundationCompat
import RealServices
import TestSupport
import Testing
@testable import EdgeOperator

/// The edge tests' part of the testbed: the shipped configuration, payloads, an edge dockerd.
extension Testbed {
    static let logger = logger("augur.edge.test")

    /// The shipped configuration, with edge-1's operator pointed at the given dockerd and state directory.
    static func configuration(dockerSocket: String = "/run/augur/edge-test/docker.sock", stateDirectory: String? = nil) throws -> (AugurConfiguration, Node) {
        let configuration = try RepositoryFiles.decode()
        var node = try #require(configuration.topology.node(named: "edge-1"))
        // The orchestrator's tests run beside these, deploying on the same shipped edge from the
        // bottom of each pool: the edge tests take the top half of each /24, so no two tests
        // ever bind one address.
        for (runtime, pool) in node.pools where pool.prefixLength == 24 {
            let top = try #require(IPAddress("\(pool.network.description.split(separator: ".").prefix(3).joined(separator: ".")).128"))
            node.pools[runtime] = try #require(IPPrefix(containing: top, prefixLength: 25))
        }
        node.operatorSettings = OperatorSettings(
            dockerSocket: dockerSocket, stateDirectory: stateDirectory ?? temporaryDirectory("state").path, nodeName: node.name)
        return (configuration, node)
    }

    /// The payload of a catalog item, written to a temporary file.
    static func payload(_ item: ContentItem) throws -> URL {
        let generated = try #require(GeneratedPayload(item))
        let url = temporaryDirectory("payload").appendingPathComponent(item.name)
        try Data(generated.bytes()).write(to: url)
        return url
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

/// Downloads a URL with a plain HTTP client.
func download(_ url: String) async throws -> (status: Int, body: Data) {
    let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
    let body = try await response.body.collect(upTo: 64 << 20)
    return (Int(response.status.code), Data(buffer: body))
}

/// Every test that starts real services (registry, dockerd, nginx) runs inside this suite,
/// one at a time: they share the registry, the edge dockerd and the edge's address pools,
/// with `LoopServices` too (`.realServices`: never both suites at once).
@Suite(.serialized, .realServices, .timeLimit(.minutes(5)))
struct EdgeServices {}
