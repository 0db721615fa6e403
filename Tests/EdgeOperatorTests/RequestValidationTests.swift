import AugurModel
@testable import EdgeOperator
@testable import EdgeWire
import Foundation
import Testing
import TestSupport

/// What an operator refuses before anything runs: an image outside the topology's registry,
/// and a never-emulated flavor on an edge that would emulate its runtime.
@Suite struct RequestValidationTests {
    static func emulatedEdge() throws -> EdgeOperator {
        let state = Testbed.temporaryDirectory("requests")
        let (configuration, node) = try Testbed.configuration(stateDirectory: state.path)
        let driver = EmulatedDriver(flavors: configuration.flavors, payloads: state, stateDirectory: state)
        return EdgeOperator(settings: .init(configuration: configuration, node: node), drivers: [driver], logger: Testbed.logger)
    }

    @Test func anImageFromAnotherRegistryIsRefused() async throws {
        let edge = try Self.emulatedEdge()
        let error = await #expect(throws: EdgeError.self) {
            try await edge.create(CreateInstanceRequest(content: "video1", flavor: "clickos", image: "registry.example:5000/augur/clickos:video1"))
        }
        #expect(error == .invalidRequest("image 'registry.example:5000/augur/clickos:video1' is not in the topology's registry 127.0.0.1:5000"))
        #expect(await edge.instances().isEmpty)
    }

    @Test func xenLinuxIsRefusedWhereXenWouldBeEmulated() async throws {
        let edge = try Self.emulatedEdge()
        let error = await #expect(throws: EdgeError.self) { try await edge.create(CreateInstanceRequest(content: "video1", flavor: "xen-linux")) }
        #expect("\(String(describing: error))".contains("xen-linux runs only on a real xen runtime, never emulated"))
        let node = await edge.nodeState()
        #expect(node.emulatedRuntimes == ["emulated"])
    }
}
