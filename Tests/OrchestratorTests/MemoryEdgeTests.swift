import AugurModel
import EdgeWire
import Orchestrator
import Testing
import TestSupport

/// The in-memory edge keeps its counts with its instances, and forgets the oldest ended ones
/// past its bound, as an operator forgets finished instances: its calls cost what they touch.
@Suite struct MemoryEdgeTests {
    @Test func itForgetsTheOldestEndedInstancesPastItsBoundAndCountsWhatItKeeps() async throws {
        let configuration = try LoopBed.configuration()
        let edge = MemoryEdge(node: try #require(configuration.topology.node(named: "edge-1")), flavors: configuration.flavors, endedKept: 2)
        var created: [String] = []
        for _ in 0..<4 { created.append(try await edge.create(CreateInstanceRequest(content: "video1", flavor: "clickos")).spec.id) }
        let cursor = try await edge.instances(since: nil).cursor
        let addresses = Set(try await edge.instances(since: nil).instances.map(\.spec.address))
        #expect(addresses.count == 4, "live instances never share an address")
        for id in created.prefix(3) { _ = try await edge.remove(id, drainSeconds: 0) }

        let listed = try await edge.instances(since: nil).instances.map(\.spec.id)
        #expect(listed == created.suffix(3).sorted(), "the first ended instance is forgotten, the two newest ended ones are kept")
        #expect(await edge.instance(created[0]) == nil)
        #expect(try await edge.node().instances == [.gone: 2, .booting: 1])
        let since = try await edge.instances(since: cursor)
        #expect(since.complete, "a reader behind a forgotten end gets the whole list, so it learns the end")
        // The freed addresses are taken again, and the limit counts live instances only.
        let next = try await edge.create(CreateInstanceRequest(content: "video1", flavor: "clickos"))
        #expect(addresses.contains(next.spec.address))
    }
}
