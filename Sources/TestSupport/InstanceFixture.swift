import EdgeWire
import Foundation

/// An edge's report of one instance, for tests that feed a fleet without an operator.
public enum InstanceFixture {
    public static func instance(_ id: String, edge: String = "edge-1", phase: InstancePhase, address: String = "127.11.3.1") -> EdgeInstance {
        var instance = EdgeInstance(
            spec: InstanceSpec(id: id, edge: edge, content: "video5", flavor: "clickos", runtime: .emulated, image: "r/augur/clickos:video5", address: address, port: 8080),
            requested: Date(timeIntervalSince1970: 0), emulated: true)
        instance.phase = phase
        return instance
    }
}
