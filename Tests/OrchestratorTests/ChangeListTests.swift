import AugurModel
import EdgeWire
import Foundation
import Metrics
@testable import Orchestrator
import Planning
import Testing
import TestSupport

/// Between its turns at a whole list, an edge lists only what changed since its last list,
/// and what it lists is applied as a whole list's would be. The loop's ticks are driven one
/// by one (no run, so no job follows an instance): every step is checked in order.
@Suite struct ChangeListTests {
    @Test func edgesListOnlyWhatChangedBetweenTheirTurnsAtAWholeList() async throws {
        let configuration = try LoopBed.configuration()
        let pools = try LoopBed.pools(configuration)
        let edge = MemoryEdge(node: try #require(configuration.topology.node(named: "edge-1")), flavors: configuration.flavors)
        await edge.seed(InstanceFixture.instance("a", phase: .booting, address: "127.11.3.1"))
        await edge.seed(InstanceFixture.instance("b", phase: .ready, address: "127.11.3.2"))
        // No plans (a long training season): only what the edge lists changes the fleet.
        let settings = LoopSettings(intervalSeconds: 2, trainingIntervals: 1_000, edgeTimeout: .seconds(60), wholeListEvery: 3)
        let loop = ControlLoop(
            configuration: configuration, settings: settings, models: ["video1": .ema(span: 1)], edges: [edge], pools: pools,
            store: try StateStore.inMemory(), metricsFactory: NOOPMetricsHandler.instance, logger: LoopBed.logger,
            clock: LoopClock(ManualClock(), origin: Date(timeIntervalSinceReferenceDate: 0)))
        // What edge-1 answers: the core's static cache of video5 (127.10.0.5) answers throughout.
        var answered: Set<String> { LoopBed.answered(pools, "video5").filter { $0.hasPrefix("127.11.") } }
        func lists() async -> [String] { await edge.calls.filter { $0.hasPrefix("instances") } }

        await loop.resume()
        #expect(await lists() == ["instances"], "a loop that has no cursor yet asks for everything")
        #expect(answered == ["127.11.3.2"])

        await edge.release("a", to: .ready)
        await loop.tick(LoopBed.snapshot(0, lookups: 0))
        #expect(await lists().last == "instances since")
        #expect(answered == ["127.11.3.1", "127.11.3.2"], "the change brought a's address")

        await edge.release("b", to: .gone)
        await loop.tick(LoopBed.snapshot(1, lookups: 0))
        #expect(await lists().last == "instances since")
        #expect(answered == ["127.11.3.1"], "the change took b's out")
        #expect(await loop.members().map(\.instance.spec.id) == ["a"])

        await loop.tick(LoopBed.snapshot(2, lookups: 0))
        #expect(await lists().last == "instances", "its turn at a whole list")
        #expect(await loop.members().map(\.instance.spec.id) == ["a"])

        await edge.setReachable(false)
        await loop.tick(LoopBed.snapshot(3, lookups: 0))
        #expect(answered.isEmpty)
        await edge.setReachable(true)
        await loop.tick(LoopBed.snapshot(4, lookups: 0))
        #expect(await lists().suffix(2) == ["instances since", "instances"], "an edge that did not answer lists everything when it does again")
        #expect(answered == ["127.11.3.1"])
        await loop.tick(LoopBed.snapshot(5, lookups: 0))
        await loop.tick(LoopBed.snapshot(6, lookups: 0))
        #expect(await lists().suffix(2) == ["instances", "instances since"], "its turn, then changes again")
    }
}
