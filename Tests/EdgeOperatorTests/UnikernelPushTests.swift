import AugurModel
import Foundation
import TestSupport
import Testing
@testable import EdgeOperator

/// A flavor that is never emulated has no stand-in: a stand-in pushed under its tag would
/// replace the real kernel its Xen host pushed (as a replay's preparation once did to augur-uk).
@Suite struct UnikernelPushTests {
    @Test(arguments: ["augur-uk", "xen-linux"])
    func aFlavorNeverEmulatedGetsNoStandIn(flavor name: String) async throws {
        let (configuration, _) = try Testbed.configuration()
        let flavor = try #require(configuration.flavors[name])
        let item = try #require(configuration.catalog.item(named: "video1"))
        let unreachable = try #require(SocketEndpoint("127.0.0.1:9"))
        let error = await #expect(throws: UnikernelPushError.self) {
            try await UnikernelPush.pushStandIn(flavor: flavor, item: item, payloads: Testbed.temporaryDirectory("no-payloads"), registry: unreachable)
        }
        #expect(error?.reason.contains("never emulated") == true, "refused before reading a payload or reaching a registry: \(String(describing: error))")
    }
}
