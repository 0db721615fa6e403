import AugurModel
@testable import EdgeWire
import Foundation
import Optimizer
@testable import Planning
import TestSupport
import Testing

/// The reactive thresholds are counted straight from the fleet (one pass, no plan input):
/// they must be exactly what the scaler computes from the whole input.
@Suite struct ReactiveThresholdTests {
    @Test func theFleetsCountIsTheScalersOverTheWholeInput() throws {
        let configuration = try RepositoryFiles.decode()
        let settings = LoopSettings(intervalSeconds: 2, scaling: .hybrid)
        let planner = IntervalPlanner(configuration: configuration, settings: settings)
        var fleet = Fleet()
        let phases: [InstancePhase] = [.pulling, .booting, .ready, .ready, .draining, .failed, .gone, .ready]
        for (index, phase) in phases.enumerated() {
            let content = ["video1", "video5", "video10"][index % 3]
            let edge = index % 2 == 0 ? "edge-1" : "edge-2"
            var instance = InstanceFixture.instance("i\(index)", edge: edge, phase: phase, address: "127.1\(edge == "edge-1" ? 1 : 2).3.\(index + 1)")
            instance.spec.content = content
            _ = fleet.observe(instance)
        }
        _ = fleet.beginRemoval("i3")
        _ = fleet.lost(edge: "edge-2")
        let requested = [
            ActionRecord(id: 7, interval: 1, kind: .deploy, content: "video1", flavor: "clickos", edge: "edge-1", reason: "test", outcome: .planned, updatedAt: Date()),
            ActionRecord(id: 8, interval: 1, kind: .deploy, content: "video5", reason: "no edge", outcome: .planned, updatedAt: Date()),
        ]
        let input = planner.builder.input(intervalSeconds: 2, demand: [], fleet: fleet, operated: ["edge-1", "edge-2"], requested: requested)
        let whole = planner.scaler.thresholds(input).filter { planner.reacting.contains($0.key) }
        #expect(planner.thresholds(fleet: fleet, requested: requested) == whole)
        #expect(whole.values.contains { $0 > 0 }, "some content has something serving")
        #expect(Set(whole.keys) == planner.reacting)
    }
}
