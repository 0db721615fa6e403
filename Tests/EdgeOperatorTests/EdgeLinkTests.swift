import AsyncHTTPClient
import AugurModel
@testable import EdgeLink
@testable import EdgeOperator
import Foundation
import Hummingbird
import HummingbirdTesting
import HummingbirdTLS
import Testing
import TestSupport

/// The link between the orchestrator and two operators as `augur serve --edges remote` builds
/// it: each operator serves HTTPS with its own certificate (made by `Scripts/tls-certs`) and
/// accepts only its own token. No root: both operators listen on loopback.
@Suite struct EdgeLinkTests {
    @Test func eachEdgeIsReachedOverTLSWithItsOwnTokenAndNoOtherOpensIt() async throws {
        let folder = Testbed.temporaryDirectory("tls")
        _ = try await Testbed.script("tls-certs", [folder.path, "edge-1=127.0.0.1", "edge-2=127.0.0.1"])
        let (configuration, _) = try Testbed.configuration()
        var topology = configuration.topology
        topology.tls = TopologyTLS(ca: folder.appendingPathComponent("ca.pem").path)
        let certified = try ["edge-1", "edge-2"].map { name in
            var node = try #require(topology.node(named: name))
            node.operatorSettings.tls = NodeCertificate(certificate: folder.appendingPathComponent("\(name).pem").path, key: folder.appendingPathComponent("\(name).key").path)
            return node
        }
        let tokens = ["edge-1": "edge-one-token-0123456789", "edge-2": "edge-two-token-0123456789"]
        func application(_ node: Node) throws -> some ApplicationProtocol {
            Application(
                router: EdgeAPI.router(for: try RequestValidationTests.emulatedEdge(), token: tokens[node.name] ?? ""),
                server: try .tls(.http1(), tlsConfiguration: try #require(try OperatorTLS.server(for: node))),
                configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        }
        let first = try application(certified[0])
        let second = try application(certified[1])
        let linked = topology
        try await first.test(.live) { one in
            try await second.test(.live) { two in
                let topology = linked
                var nodes = certified
                nodes[0].operatorSettings.listen = SocketEndpoint("127.0.0.1:\(try #require(one.port))")
                nodes[1].operatorSettings.listen = SocketEndpoint("127.0.0.1:\(try #require(two.port))")
                let links = try OperatorLinks(topology: topology, tokens: tokens)
                let edgeOne = try links.client(for: nodes[0])
                let edgeTwo = try links.client(for: nodes[1])
                #expect(edgeOne.baseURL.hasPrefix("https://"))
                #expect(try await edgeOne.node().instances.isEmpty)
                #expect(try await edgeTwo.node().instances.isEmpty)

                // edge-1's token does not open edge-2 (a compromised edge-1 cannot drive it).
                let stolen = EdgeClient(edge: "edge-2", baseURL: edgeTwo.baseURL, token: tokens["edge-1"] ?? "", client: edgeTwo.client)
                await #expect(throws: EdgeClient.Failure.rejected(edge: "edge-2", status: 401, message: "the bearer token is not valid")) { try await stolen.node() }

                // Plain HTTP to a TLS operator gets nothing, nor does a client that trusts another CA.
                let plain = EdgeClient(edge: "edge-1", baseURL: "http://\(try #require(nodes[0].operatorSettings.listen))", token: tokens["edge-1"] ?? "")
                await #expect(throws: EdgeClient.Failure.self) { try await plain.node() }
                let other = Testbed.temporaryDirectory("tls-other")
                _ = try await Testbed.script("tls-certs", [other.path, "edge-1=127.0.0.1"])
                var impostor = topology
                impostor.tls = TopologyTLS(ca: other.appendingPathComponent("ca.pem").path)
                let untrusting = try OperatorLinks(topology: impostor, tokens: tokens).client(for: nodes[0])
                let error = await #expect(throws: EdgeClient.Failure.self) { try await untrusting.node() }
                #expect("\(error.map(String.init(describing:)) ?? "")".contains("unreachable"))
            }
        }
    }

    @Test func aMissingCertificateIsAnErrorNamingIt() throws {
        let (configuration, node) = try Testbed.configuration()
        var broken = node
        broken.operatorSettings.tls = NodeCertificate(certificate: "/nonexistent/edge-1.pem", key: "/nonexistent/edge-1.key")
        let error = #expect(throws: OperatorTLS.FileError.self) { try OperatorTLS.server(for: broken) }
        #expect(error?.path == "/nonexistent/edge-1.pem")
        var topology = configuration.topology
        topology.tls = TopologyTLS(ca: "/nonexistent/ca.pem")
        let linkError = #expect(throws: OperatorLinks.LinkError.self) { try OperatorLinks(topology: topology, tokens: [:]) }
        #expect("\(linkError.map(String.init(describing:)) ?? "")".contains("/nonexistent/ca.pem"))
        #expect(try OperatorTLS.server(for: node) == nil, "no certificate: plain HTTP on loopback")
    }
}
