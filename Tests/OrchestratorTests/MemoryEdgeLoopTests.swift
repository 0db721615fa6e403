import AugurModel
import DNSBalancer
import EdgeOperator
@testable import EdgeWire
import Foundation
import Metrics
@testable import Orchestrator
@testable import Planning
import Testing

/// The control loop's acting paths against in-memory edges and a hand-moved clock: no root,
/// no processes, every step checked in order. (The same paths against real operators run
/// in `LoopServices`.)
@Suite(.timeLimit(.minutes(5))) struct MemoryEdgeLoopTests {
    let configuration: AugurConfiguration
    let clock = ManualClock()
    /// The loop's dates start here and move only with `clock`.
    static let origin = Date(timeIntervalSinceReferenceDate: 0)
    let pools: DNSPools
    let store: StateStore
    static let baseline: Set<String> = ["127.10.0.1"]

    init() throws {
        configuration = try LoopBed.configuration()
        pools = try LoopBed.pools(configuration)
        store = try StateStore.inMemory()
    }

    func edge(_ name: String = "edge-1", outcome: MemoryEdge.BootOutcome) async throws -> MemoryEdge {
        let edge = MemoryEdge(node: try #require(configuration.topology.node(named: name)), flavors: configuration.flavors)
        await edge.setOutcome(outcome, for: "clickos")
        return edge
    }

    /// A loop on `edges`, fed by the returned continuation, running until the test ends.
    func running(_ edges: [MemoryEdge]) -> (ControlLoop, AsyncStream<IntervalSnapshot>.Continuation, Task<Void, Never>) {
        let settings = LoopSettings(
            intervalSeconds: 2, trainingIntervals: 1, dnsGraceSeconds: 5, drainSeconds: 1, edgeTimeout: .milliseconds(200), edgeFlavors: ["clickos"])
        let loop = ControlLoop(
            configuration: configuration, settings: settings, models: ["video1": .ema(span: 1)], edges: edges, pools: pools, store: store,
            metricsFactory: NOOPMetricsHandler.instance, logger: LoopBed.logger, clock: LoopClock(clock, origin: Self.origin))
        let (feed, input) = AsyncStream.makeStream(of: IntervalSnapshot.self)
        return (loop, input, Task { await loop.run(snapshots: feed) })
    }

    var answered: Set<String> { LoopBed.answered(pools, "video1") }

    /// Removals waiting out the DNS grace (5 s): the loop's other waits (the reaction period,
    /// an edge call's timeout) are shorter.
    var removalsWaiting: Int { clock.sleeping(remaining: .seconds(5)...) }

    func actions() throws -> [ActionRecord] { try store.intervals(limit: 100).flatMap(\.actions) }

    /// A quiet interval then a surge: returns the instances the deploys created on `edge`,
    /// once every deploy of the plan was asked of the edge (a plan's deploys are created one
    /// after another, so the first one alone is not the whole surge).
    func surge(_ input: AsyncStream<IntervalSnapshot>.Continuation, on edge: MemoryEdge) async throws -> [EdgeInstance] {
        input.yield(LoopBed.snapshot(0, lookups: 10))
        input.yield(LoopBed.snapshot(1, lookups: 60))
        #expect(try await LoopBed.eventually(60) {
            let deploys = try self.actions().filter { $0.kind == .deploy }
            let created = try await edge.instances().count
            return !deploys.isEmpty && deploys.allSatisfy { $0.outcome == .requested } && created == deploys.count
        })
        return try await edge.instances()
    }

    @Test func aDeployEntersDNSOnlyOnceReadyAndADrainLeavesDNSAGraceBeforeTheEdgeRemovesIt() async throws {
        let edge = try await edge(outcome: .hold)
        let (loop, input, run) = running([edge])
        defer { run.cancel() }
        let booting = try await surge(input, on: edge)
        #expect(booting.allSatisfy { $0.phase == .booting })
        #expect(answered == Self.baseline, "nothing is answered before the edge says ready")

        for instance in booting { await edge.release(instance.spec.id, to: .ready) }
        let addresses = Set(booting.map(\.spec.address))
        #expect(await LoopBed.eventually(60) { answered == Self.baseline.union(addresses) })
        #expect(try await LoopBed.eventually(60) { try actions().filter { $0.kind == .deploy }.allSatisfy { $0.outcome == .ready } })

        input.yield(LoopBed.snapshot(2, lookups: 0))
        input.yield(LoopBed.snapshot(3, lookups: 0))
        // Both quiet intervals closed before the grace passes: the drains are interval 2's alone.
        #expect(await LoopBed.eventually(60) { await loop.intervalsClosed() == 4 && answered == Self.baseline && removalsWaiting == booting.count })
        #expect(await edge.calls.contains { $0.hasPrefix("remove") } == false, "the edge is not asked before the TTL grace passed")
        #expect(try await edge.instances().allSatisfy { $0.phase == .ready }, "still serving the clients that resolved it")
        #expect(await loop.members().allSatisfy(\.removing))

        // Past the grace; a removal that started sleeping late is woken by the next move.
        #expect(try await LoopBed.eventually(60) {
            clock.advance(by: .seconds(5))
            return try await edge.instances().allSatisfy { $0.phase == .gone }
        })
        let drained = try await LoopBed.eventually(60) { try actions().filter { $0.kind == .drain }.map(\.outcome) == Array(repeating: .removed, count: booting.count) }
        let drains = try actions().filter { $0.kind == .drain }.map { "\($0.instance ?? "-") \($0.outcome) \($0.detail ?? "")" }
        #expect(drained, "drains: \(drains), booting: \(booting.map(\.spec.id))")
        #expect(try store.instances().isEmpty, "the store has every instance as gone")
        #expect(await loop.members().isEmpty)

        // The edge evicts the image: the loop learns it at the next interval, so the optimizer counts the pull again.
        #expect(await loop.decisions.fleet.cachedImages["edge-1"] == ["clickos/video1"])
        #expect(try await edge.evictImages(runtime: nil).images == 1)
        input.yield(LoopBed.snapshot(4, lookups: 0))
        #expect(await LoopBed.eventually(60) { await loop.decisions.fleet.cachedImages["edge-1"] == [] })
    }

    /// A drain decided while a job still follows the instance up starts no removal of its own
    /// (the instance is watched); the removal the loop starts once the boot ends answers for
    /// the drain action, which does not stay `planned`.
    @Test func aDrainOfAnInstanceStillBootingIsAnsweredByTheRemovalThatFollows() async throws {
        let edge = try await edge(outcome: .hold)
        let (loop, input, run) = running([edge])
        defer { run.cancel() }
        let booting = try await surge(input, on: edge)
        input.yield(LoopBed.snapshot(2, lookups: 0))
        input.yield(LoopBed.snapshot(3, lookups: 0))
        #expect(try await LoopBed.eventually(60) { try actions().filter { $0.kind == .drain }.count == booting.count })
        for instance in booting { await edge.release(instance.spec.id, to: .ready) }
        input.yield(LoopBed.snapshot(4, lookups: 0))
        // Moved only once the tick is over: a move past the edge timeout while the tick lists the edge would be a timeout.
        #expect(await LoopBed.eventually(60) { await loop.intervalsClosed() == 5 })
        let drained = try await LoopBed.eventually(60) {
            clock.advance(by: .seconds(5))
            return try actions().filter { $0.kind == .drain }.allSatisfy { $0.outcome == .removed }
        }
        let drains = try actions().filter { $0.kind == .drain }.map { "\($0.instance ?? "-") \($0.outcome)" }
        #expect(drained, "drains: \(drains)")
        #expect(try await edge.instances().allSatisfy { $0.phase == .gone })
    }

    @Test func aFailedBootIsRecordedWithItsReasonAndNeverAnswered() async throws {
        let edge = try await edge(outcome: .fail("xc_dom_find_loader: no loader found"))
        let (loop, input, run) = running([edge])
        defer { run.cancel() }
        input.yield(LoopBed.snapshot(0, lookups: 10))
        input.yield(LoopBed.snapshot(1, lookups: 60))
        // Every deploy of the surge ends failed, and none is left in the fleet.
        #expect(try await LoopBed.eventually(60) {
            let deploys = try actions().filter { $0.kind == .deploy }
            let left = await loop.members()
            return !deploys.isEmpty && deploys.allSatisfy { $0.outcome == .failed } && left.isEmpty
        })
        let failed = try actions().filter { $0.outcome == .failed }
        #expect(failed.allSatisfy { $0.detail?.contains("no loader found") == true }, "\(failed)")
        #expect(answered == Self.baseline)
        #expect(try store.events().contains { $0.kind == "failed" && $0.message.contains("no loader found") })
    }

    @Test func anUnreachableOrSilentEdgeLeavesDNSAndComesBackWithoutStallingTheLoop() async throws {
        let edge = try await edge(outcome: .ready)
        let (loop, input, run) = running([edge])
        defer { run.cancel() }
        input.yield(LoopBed.snapshot(0, lookups: 10))
        input.yield(LoopBed.snapshot(1, lookups: 60))
        // Every deploy ready first: under load the second can come up after the first is answered.
        #expect(try await LoopBed.eventually(60) {
            let deploys = try actions().filter { $0.kind == .deploy }
            return !deploys.isEmpty && deploys.allSatisfy { $0.outcome == .ready }
        })
        #expect(await LoopBed.eventually(60) { answered.count > 1 })
        let serving = answered

        await edge.setReachable(false)
        input.yield(LoopBed.snapshot(2, lookups: 60))
        #expect(await LoopBed.eventually(60) { await loop.unreachableEdges() == ["edge-1"] })
        #expect(answered == Self.baseline, "an edge that does not answer is not answered for")

        await edge.setReachable(true)
        input.yield(LoopBed.snapshot(3, lookups: 60))
        #expect(await LoopBed.eventually(60) { answered == serving })
        #expect(await loop.unreachableEdges().isEmpty)

        // Silent: every call hangs. The tick waits for the edge timeout of the loop's clock (not
        // the machine's), then ends with the edge lost.
        await edge.setDelay(.seconds(3_600))
        input.yield(LoopBed.snapshot(4, lookups: 60))
        #expect(await LoopBed.eventually(60) { clock.sleeping(remaining: .milliseconds(200) ... .milliseconds(200)) == 1 })
        #expect(await loop.intervalsClosed() == 4, "the tick waits for the clock, however long the machine takes")
        #expect(await LoopBed.eventually(60) {
            clock.advance(by: .milliseconds(200))
            return await loop.intervalsClosed() == 5
        })
        #expect(await loop.unreachableEdges() == ["edge-1"])
        #expect(answered == Self.baseline)
        // The loop stamps its records by the same clock: every event falls within the time it moved.
        await loop.recordsStored()
        let moved = clock.now.offset
        let events = try store.events()
        #expect(!events.isEmpty)
        #expect(events.allSatisfy { $0.at >= Self.origin && $0.at <= Self.origin.addingTimeInterval(Double(moved.components.seconds) + 1) }, "\(events.map(\.at))")
    }

    /// A loop restarted on a store whose edge holds instances in every phase: the ready one
    /// is answered, the booting one followed until ready, the one whose removal was decided
    /// removed (after the grace), and the one the edge no longer has is gone.
    @Test func aRestartFindsInstancesInEveryPhaseAndFinishesWhatWasStarted() async throws {
        let edge = try await edge(outcome: .hold)
        func instance(_ id: String, _ phase: InstancePhase, _ address: String) -> EdgeInstance {
            var instance = EdgeInstance(
                spec: InstanceSpec(id: id, edge: "edge-1", content: "video1", flavor: "clickos", runtime: .emulated, image: "memory.invalid/augur/clickos:video1", address: address, port: 8080),
                requested: Date(), emulated: true)
            instance.phase = phase
            return instance
        }
        let ready = instance("video1-clickos-ready", .ready, "127.11.3.1")
        let booting = instance("video1-clickos-booting", .booting, "127.11.3.2")
        let leaving = instance("video1-clickos-leaving", .ready, "127.11.3.3")
        let ghost = instance("video1-clickos-ghost", .ready, "127.11.3.4")
        for item in [ready, booting, leaving] { await edge.seed(item) }
        try store.record(ready)
        try store.record(booting)
        try store.record(leaving, removing: true)
        try store.record(ghost)

        let (loop, _, run) = running([edge])
        defer { run.cancel() }
        #expect(await LoopBed.eventually(60) { answered == Self.baseline.union(["127.11.3.1"]) && removalsWaiting == 1 })
        #expect(try store.instances().map(\.spec.id).contains(ghost.spec.id) == false, "the ghost is stored as gone")

        await edge.release(booting.spec.id, to: .ready)
        #expect(await LoopBed.eventually(60) { answered == Self.baseline.union(["127.11.3.1", "127.11.3.2"]) })
        #expect(await edge.instance(leaving.spec.id)?.phase == .ready, "not removed before the grace")
        clock.advance(by: .seconds(5))
        #expect(await LoopBed.eventually(60) { await edge.instance(leaving.spec.id)?.phase == .gone })
        #expect(await LoopBed.eventually(60) { Set(await loop.members().map(\.instance.spec.id)) == [ready.spec.id, booting.spec.id] })
        #expect(answered == Self.baseline.union(["127.11.3.1", "127.11.3.2"]))
    }
}
