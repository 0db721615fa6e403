import AugurModel
import EdgeOperator
@testable import EdgeWire
import Foundation
import Orchestrator
@testable import Replay
import Testing
import TestSupport

/// Emptying the edges around a run: every edge is tried, and what cannot be listed or
/// removed is named (the run refuses to start on it; its end logs it).
@Suite struct ReplayCleanupTests {
    @Test func everyEdgeIsEmptiedAndWhatCannotBeIsNamed() async throws {
        let root = Testbed.root
        func document(_ path: String) throws -> ConfigDocument {
            try ConfigDocument(file: path, text: String(contentsOf: root.appendingPathComponent(path), encoding: .utf8))
        }
        let configuration = try AugurConfiguration.decode(
            topology: document("Topology/paper-testbed.yaml"), flavors: document("Topology/flavors.yaml"), catalog: document("Content/catalog.yaml"))
        let answering = MemoryEdge(node: try #require(configuration.topology.node(named: "edge-1")), flavors: configuration.flavors)
        let silent = MemoryEdge(node: try #require(configuration.topology.node(named: "edge-2")), flavors: configuration.flavors)
        let first = try await answering.create(CreateInstanceRequest(content: "video1", flavor: "clickos"))
        _ = try await silent.create(CreateInstanceRequest(content: "video1", flavor: "clickos"))
        await silent.setReachable(false)

        let failures = await ReplayRun.removeEverything([silent, answering])
        #expect(failures.count == 1 && failures[0].hasPrefix("edge-2: cannot list its instances"), "\(failures)")
        #expect(await answering.instance(first.spec.id)?.phase == .gone, "the edge after the silent one was still emptied")
    }
}
