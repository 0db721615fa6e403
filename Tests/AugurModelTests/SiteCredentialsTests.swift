import Testing
@testable import AugurModel
import TestSupport

/// Each site's credentials as the topology names them: an operator's own token file, its
/// certificate beside the topology's CA, plain HTTP only on loopback without `tls`, and an
/// open registry only on loopback.
@Suite struct SiteCredentials {
    @Test func everyOperatorHasItsOwnTokenAndCertificateBesideTheCA() throws {
        let topology = try XenEdgeConfiguration.decode().topology
        #expect(topology.tokenFile == ".augur/token")
        #expect(topology.tls == TopologyTLS(ca: ".augur/tls/ca.pem"))
        let edge = try #require(topology.node(named: "xen-1"))
        #expect(edge.operatorSettings.tokenFile == ".augur/xen-1.token")
        #expect(edge.operatorSettings.tls == NodeCertificate(certificate: ".augur/tls/xen-1.pem", key: ".augur/tls/xen-1.key"))
        let named = try XenEdgeConfiguration.decode {
            $0.replacingOccurrences(of: "listen: 10.220.0.2:7100", with: "listen: 10.220.0.2:7100\n      token_file: /etc/augur/edge.token\n      tls: {certificate: /etc/augur/edge.pem, key: /etc/augur/edge.key}")
        }
        let settings = try #require(named.topology.node(named: "xen-1")?.operatorSettings)
        #expect(settings.tokenFile == "/etc/augur/edge.token")
        #expect(settings.tls == NodeCertificate(certificate: "/etc/augur/edge.pem", key: "/etc/augur/edge.key"))
    }

    @Test func anOperatorOutsideLoopbackNeedsTLS() throws {
        let error = #expect(throws: ConfigError.self) {
            try XenEdgeConfiguration.decode { $0.replacingOccurrences(of: "tls: {ca: .augur/tls/ca.pem}\n", with: "") }
        }
        #expect(error?.field.hasSuffix("operator.listen") == true, "\(String(describing: error))")
        #expect(error?.reason.contains("plain HTTP") == true, "\(String(describing: error))")
    }

    @Test func aRegistryOutsideLoopbackNeedsItsLogin() throws {
        #expect(try XenEdgeConfiguration.decode().topology.registryCredentials == ".augur/registry.credentials")
        let error = #expect(throws: ConfigError.self) {
            try XenEdgeConfiguration.decode { $0.replacingOccurrences(of: "registry_credentials: .augur/registry.credentials\n", with: "") }
        }
        #expect(error?.field == "registry", "\(String(describing: error))")
        #expect(error?.reason.contains("may not be open") == true, "\(String(describing: error))")
        #expect(try RepositoryFiles.decode().topology.registryCredentials == nil, "the loopback registry of the single-host topology is open")
    }

    @Test func aCertificateWithoutTheTopologysCAIsRefused() throws {
        let error = #expect(throws: ConfigError.self) {
            try RepositoryFiles.decode(editing: "Topology/paper-testbed.yaml") {
                $0.replacingOccurrences(of: "operator: {listen: 127.0.0.1:7102}", with: "operator: {listen: 127.0.0.1:7102, tls: {certificate: a.pem, key: a.key}}")
            }
        }
        #expect(error?.field == "edges[1].operator.tls", "\(String(describing: error))")
    }

    @Test func twoSitesSharingATokenFileAreRefused() throws {
        let edge = #expect(throws: ConfigError.self) {
            try RepositoryFiles.decode(editing: "Topology/paper-testbed.yaml") {
                $0.replacingOccurrences(of: "operator: {listen: 127.0.0.1:7102}", with: "operator: {listen: 127.0.0.1:7102, token_file: .augur/edge-1.token}")
            }
        }
        #expect(edge?.field == "edges[1].operator.token_file", "\(String(describing: edge))")
        #expect(edge?.reason.contains("edge-1's token file") == true, "\(String(describing: edge))")
        let orchestrator = #expect(throws: ConfigError.self) {
            try RepositoryFiles.decode(editing: "Topology/paper-testbed.yaml") {
                $0.replacingOccurrences(of: "operator: {listen: 127.0.0.1:7102}", with: "operator: {listen: 127.0.0.1:7102, token_file: .augur/token}")
            }
        }
        #expect(orchestrator?.reason.contains("the orchestrator's token file") == true, "\(String(describing: orchestrator))")
    }
}
