import Testing
@testable import AugurModel
import TestSupport

/// `Topology/xen-edge.yaml` and `operator.xen`: where a real Xen edge's guests join the network,
/// and the `xen-linux` flavor that is never emulated.
@Suite struct XenEdgeConfiguration {
    static func decode(_ edit: (String) -> String = { $0 }) throws(ConfigError) -> AugurConfiguration {
        func load(_ path: String, _ change: (String) -> String = { $0 }) throws(ConfigError) -> ConfigDocument {
            let text: String
            do { text = try RepositoryFiles.text(path) } catch { throw ConfigError(file: path, line: nil, field: "", reason: "\(error)") }
            return try ConfigDocument(file: path, text: change(text))
        }
        return try AugurConfiguration.decode(
            topology: load("Topology/xen-edge.yaml", edit), flavors: load("Topology/flavors.yaml"), catalog: load("Content/catalog.yaml"))
    }

    @Test func theStandaloneXenEdgeTellsItsGuestsTheirSubnetAndRouter() throws {
        let edge = try #require(try Self.decode().topology.node(named: "xen-1"))
        let guests = try #require(edge.operatorSettings.xenGuests)
        #expect(guests.bridge == "xenbr0")
        #expect(guests.gateway == IPAddress("10.220.0.1"))
        #expect(guests.prefixLength == 24)
        #expect(guests.subnet?.description == "10.220.0.0/24")
        #expect(edge.operatorSettings.listen?.description == "10.220.0.2:7100")
    }

    @Test func aGatewayWhoseSubnetMissesThePoolIsRefusedWithItsLine() throws {
        let error = #expect(throws: ConfigError.self) {
            try Self.decode { $0.replacingOccurrences(of: "gateway: 10.220.0.1/24", with: "gateway: 10.230.0.1/24") }
        }
        #expect(error?.field.hasSuffix("operator.xen.gateway") == true, "\(String(describing: error))")
        #expect(error?.line != nil)
        #expect(error?.reason.contains("must lie inside 10.230.0.0/24") == true, "\(String(describing: error))")
    }

    @Test func aBridgeNameThatIsNoInterfaceNameIsRefused() throws {
        let error = #expect(throws: ConfigError.self) {
            try Self.decode { $0.replacingOccurrences(of: "bridge: xenbr0", with: "bridge: \"xen br0; reboot\"") }
        }
        #expect(error?.field.hasSuffix("operator.xen.bridge") == true, "\(String(describing: error))")
    }

    @Test func xenLinuxIsAMicroVMOnXenThatIsNeverEmulated() throws {
        let configuration = try Self.decode()
        let flavor = try #require(configuration.flavors["xen-linux"])
        #expect(flavor.runtime == .xen && flavor.kind == .microvm && !flavor.emulable)
        #expect(configuration.flavors["clickos"]?.emulable == true)
        #expect(configuration.catalog.contents.allSatisfy { $0.flavors.contains("xen-linux") })
    }

    @Test func theSubnetOfAnAddressIsItsMaskedNetwork() {
        #expect(IPPrefix(containing: IPAddress("10.220.0.77")!, prefixLength: 26)?.description == "10.220.0.64/26")
        #expect(IPPrefix(containing: IPAddress("10.220.0.77")!, prefixLength: 33) == nil)
    }
}
