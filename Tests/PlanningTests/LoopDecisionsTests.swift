import AugurModel
import EdgeWire
import Foundation
@testable import Planning
import TestSupport
import Testing

/// The control loop's decisions driven event by event, with the moment of each named by
/// the test: no actor, no edge, no clock, nothing to wait for. Each test checks what the
/// loop is to do, in the order it is to be done.
@Suite struct LoopDecisionsTests {
    let configuration: AugurConfiguration

    init() throws {
        configuration = try RepositoryFiles.decode()
    }

    struct Unreachable: Error, CustomStringConvertible {
        var description: String { "connection refused" }
    }

    /// Decisions for video1 on edge-1 alone, resumed from an empty store and reconciled.
    func resumed(scaling: [String: ScalingPolicy] = [:]) -> LoopDecisions {
        let settings = LoopSettings(
            intervalSeconds: 2, trainingIntervals: 1, dnsGraceSeconds: 5, drainSeconds: 1, edgeFlavors: ["clickos"], scalingByContent: scaling)
        var decisions = LoopDecisions(configuration: configuration, settings: settings, models: ["video1": .ema(span: 1)], edges: ["edge-1"])
        decisions.restore(progress: nil, history: [:], instances: [], removing: [])
        let round = decisions.beginReconcile()
        _ = decisions.edgesListed(["edge-1": .success((InstanceList(instances: []), Self.node))], in: round, at: Self.at(0))
        _ = decisions.finishResume(at: Self.at(0))
        return decisions
    }

    static let node = NodeState(edge: "edge-1", instanceLimit: 16, instances: [:], runtimes: ["emulated", "xen"], emulatedRuntimes: ["emulated", "xen"])

    /// `seconds` into the loop's run, on its one clock.
    static func at(_ seconds: Double) -> LoopTime {
        LoopTime(now: .milliseconds(Int64(seconds * 1_000)), date: Date(timeIntervalSinceReferenceDate: seconds))
    }

    static func instance(_ id: String, _ phase: InstancePhase, address: String = "127.11.3.1") -> EdgeInstance {
        var instance = EdgeInstance(
            spec: InstanceSpec(id: id, edge: "edge-1", content: "video1", flavor: "clickos", runtime: .emulated, image: "r/augur/clickos:video1", address: address, port: 8080),
            requested: Date(timeIntervalSinceReferenceDate: 0), emulated: true)
        instance.phase = phase
        return instance
    }

    /// Closes the next interval with `lookups` of video1 and acts on it at `seconds`.
    static func interval(_ decisions: inout LoopDecisions, lookups: Int, at seconds: Double) -> [LoopAction] {
        let start = Date(timeIntervalSinceReferenceDate: seconds - 2)
        return decisions.act(on: decisions.closeInterval(lookups: ["video1": lookups], start: start, end: start + 2), at: at(seconds))
    }

    static func creates(_ actions: [LoopAction]) -> [ActionRecord] {
        actions.compactMap { if case .create(let deploy, _, _) = $0 { deploy } else { nil } }
    }

    static func published(_ actions: [LoopAction]) -> [PoolChange] {
        actions.flatMap { action -> [PoolChange] in if case .publish(let changes) = action { changes } else { [] } }
    }

    static func events(_ actions: [LoopAction]) -> [String] {
        actions.compactMap { if case .event(let entry) = $0 { "\(entry.kind) \(entry.subject)" } else { nil } }
    }

    static func stored(_ actions: [LoopAction]) -> [ActionOutcome] {
        actions.compactMap { if case .outcome(_, _, let stored?) = $0 { stored } else { nil } }
    }

    /// Brings a deploy planned at a surge to ready: returns its action and the ready instance.
    static func deployReady(_ decisions: inout LoopDecisions) throws -> (ActionRecord, EdgeInstance) {
        _ = interval(&decisions, lookups: 10, at: 2)
        let deploy = try #require(creates(interval(&decisions, lookups: 60, at: 4)).first)
        _ = decisions.created(deploy, edge: "edge-1", flavor: "clickos", .success(instance("a", .booting)), at: at(4.1))
        _ = decisions.settled("a", edge: "edge-1", action: deploy.id, .success(instance("a", .ready)), at: at(4.5))
        return (deploy, instance("a", .ready))
    }

    @Test func aPlanIsStoredBeforeItsDeploysAreAskedForAndAnInstanceEntersDNSOnlyWhenReady() throws {
        var decisions = resumed()
        #expect(Self.creates(Self.interval(&decisions, lookups: 10, at: 2)).isEmpty, "the first interval only trains")
        let actions = Self.interval(&decisions, lookups: 60, at: 4)
        let deploys = Self.creates(actions)
        let staticReady = decisions.readyCapacity("video1")
        #expect(staticReady.instances == 1, "the core's static instance")
        #expect(deploys.count == 2, "60 lookups at 20 per instance, 20 of them served by the core")
        let storedAt = try #require(actions.firstIndex { if case .storeDecisions(let stored, _) = $0 { stored == deploys } else { false } })
        let firstCreate = try #require(actions.firstIndex { if case .create = $0 { true } else { false } })
        #expect(storedAt < firstCreate, "what is acted on is stored first")
        #expect(Set(deploys.compactMap(\.id)).count == 2, "each action has its own id")
        #expect(deploys.allSatisfy { $0.edge == "edge-1" && $0.flavor == "clickos" && $0.outcome == .planned })

        let deploy = deploys[0]
        let created = decisions.created(deploy, edge: "edge-1", flavor: "clickos", .success(Self.instance("a", .booting)), at: Self.at(4.1))
        #expect(Self.published(created).isEmpty, "a booting instance is not answered")
        #expect(created.contains { if case .follow("a", "edge-1", deploy.id) = $0 { true } else { false } })
        #expect(Self.stored(created).map(\.outcome) == [.requested])
        #expect(decisions.requested[try #require(deploy.id)] == nil, "no longer waiting for the create")

        let settled = decisions.settled("a", edge: "edge-1", action: deploy.id, .success(Self.instance("a", .ready)), at: Self.at(4.5))
        #expect(Self.published(settled) == [.add(instance: "a", content: "video1", flavor: "clickos", address: "127.11.3.1", edge: "edge-1")])
        #expect(Self.stored(settled).map { "\($0.action) \($0.outcome) \($0.at.timeIntervalSinceReferenceDate)" } == ["\(deploy.id ?? 0) ready 4.5"])
        #expect(decisions.readyCapacity("video1") == ReadyCapacity(instances: 2, lookups: 40), "the static instance and the one ready")
    }

    @Test func aDrainTakesTheAddressOutOfDNSBeforeItsRemovalWaitsOutTheGrace() throws {
        var decisions = resumed()
        _ = try Self.deployReady(&decisions)
        var drains: [LoopAction] = []
        for step in 0..<5 where drains.isEmpty {
            let actions = Self.interval(&decisions, lookups: 0, at: 6 + 2 * Double(step))
            if actions.contains(where: { if case .remove = $0 { true } else { false } }) { drains = actions }
        }
        let removal = try #require(drains.firstIndex { if case .remove("a", "edge-1", .seconds(5), 1) = $0 { true } else { false } })
        let leaves = try #require(drains.firstIndex { if case .publish(let changes) = $0 { changes.contains(.remove(instance: "a", content: "video1", flavor: "clickos", address: "127.11.3.1")) } else { false } })
        #expect(leaves < removal, "out of DNS before the removal's grace starts")
        #expect(Self.events(drains).contains("drain a"))
        let drain = try #require(drains.compactMap { if case .storeDecisions(let stored, _) = $0 { stored.first { $0.kind == .drain } } else { nil } }.first)

        var gone = Self.instance("a", .gone)
        gone.seconds["removal"] = 0.25
        let removed = decisions.removed("a", .success(gone), at: Self.at(20))
        #expect(Self.stored(removed).map { "\($0.action) \($0.outcome) \($0.detail ?? "")" } == ["\(drain.id ?? 0) removed removed in 0.250 s"])
        #expect(decisions.fleet.members["a"] == nil)
    }

    @Test func aFailedRemovalKeepsTheInstanceMarkedAndTheNextListTriesAgain() throws {
        var decisions = resumed()
        _ = try Self.deployReady(&decisions)
        var removing = false
        for step in 0..<5 where !removing {
            removing = Self.interval(&decisions, lookups: 0, at: 6 + 2 * Double(step)).contains { if case .remove = $0 { true } else { false } }
        }
        #expect(removing)
        let failed = decisions.removed("a", .failure(Unreachable()), at: Self.at(20))
        #expect(Self.stored(failed).map(\.outcome) == [.failed])
        #expect(decisions.fleet.members["a"]?.removing == true)
        let round = decisions.beginReconcile()
        let listed = decisions.edgesListed(["edge-1": .success((InstanceList(instances: [Self.instance("a", .ready)]), Self.node))], in: round, at: Self.at(22))
        #expect(listed.contains { if case .remove("a", "edge-1", _, _) = $0 { true } else { false } }, "the removal starts again")
        #expect(Self.published(listed).isEmpty, "an instance being removed is not answered again")
    }

    @Test func anUnreachableEdgeLeavesDNSIsAnnouncedOnceAndComesBackWhenItAnswers() throws {
        var decisions = resumed()
        _ = try Self.deployReady(&decisions)
        var round = decisions.beginReconcile()
        let lost = decisions.edgesListed(["edge-1": .failure(Unreachable())], in: round, at: Self.at(6))
        #expect(Self.published(lost) == [.remove(instance: "a", content: "video1", flavor: "clickos", address: "127.11.3.1")])
        #expect(Self.events(lost) == ["edge edge-1"])
        #expect(lost.contains { if case .edgeReachable("edge-1", false) = $0 { true } else { false } })
        round = decisions.beginReconcile()
        #expect(Self.events(decisions.edgesListed(["edge-1": .failure(Unreachable())], in: round, at: Self.at(8))).isEmpty, "announced once")
        round = decisions.beginReconcile()
        #expect(round.since.isEmpty, "an edge that did not answer lists everything")
        let back = decisions.edgesListed(["edge-1": .success((InstanceList(instances: [Self.instance("a", .ready)]), Self.node))], in: round, at: Self.at(10))
        #expect(Self.published(back) == [.add(instance: "a", content: "video1", flavor: "clickos", address: "127.11.3.1", edge: "edge-1")])
        #expect(Self.events(back) == ["edge edge-1"])
    }

    @Test func whatAnEdgeMayNotReportIsRefusedAndAnnouncedOnce() {
        var decisions = resumed()
        let stray = Self.instance("x", .ready, address: "10.0.0.1")
        var round = decisions.beginReconcile()
        let first = decisions.edgesListed(["edge-1": .success((InstanceList(instances: [stray]), Self.node))], in: round, at: Self.at(2))
        #expect(first.contains { if case .refused("edge-1", "x", _, true) = $0 { true } else { false } })
        #expect(Self.events(first) == ["refused x"])
        #expect(Self.published(first).isEmpty)
        round = decisions.beginReconcile()
        let again = decisions.edgesListed(["edge-1": .success((InstanceList(instances: [stray]), Self.node))], in: round, at: Self.at(4))
        #expect(again.contains { if case .refused("edge-1", "x", _, false) = $0 { true } else { false } }, "counted, not announced again")
        #expect(Self.events(again).isEmpty)
        #expect(decisions.fleet.members["x"] == nil)
    }

    /// A hybrid content reacts to a surge within the interval: the reaction is stored before
    /// it is asked for, and DNS may hold lookups while the deploy is expected ready, for as
    /// long as the moments say, and no longer once the deploy failed.
    @Test func aReactionIsStoredFirstAndItsHoldGateFollowsTheExpectedReadyMoment() throws {
        var decisions = resumed(scaling: ["video1": .hybrid])
        _ = Self.interval(&decisions, lookups: 10, at: 2)
        let actions = decisions.demandRead(["video1": 200, "video5": 900], crossing: true, at: Self.at(2.5))
        let deploys = Self.creates(actions)
        #expect(!deploys.isEmpty)
        #expect(deploys.allSatisfy { $0.content == "video1" }, "only the reacting content")
        let storedAt = try #require(actions.firstIndex { if case .storeAction = $0 { true } else { false } })
        let firstCreate = try #require(actions.firstIndex { if case .create = $0 { true } else { false } })
        #expect(storedAt < firstCreate)
        let seconds = try #require(decisions.planner.builder.secondsToReady(content: "video1", flavor: "clickos", edge: "edge-1", fleet: decisions.fleet))
        let gates = actions.compactMap { if case .gate("video1", _, let readyIn, let bound) = $0 { (readyIn, bound) } else { nil } }
        #expect(gates.last?.0 == .milliseconds(Int64(seconds * 1_000)), "expected ready \(seconds) s after 2.5 s")
        #expect(gates.last?.1 == .milliseconds(300))
        #expect(decisions.reactiveDeploys == deploys.count)

        var failed: [LoopAction] = []
        for deploy in deploys { failed = decisions.created(deploy, edge: "edge-1", flavor: "clickos", .failure(Unreachable()), at: Self.at(3)) }
        #expect(failed.contains { if case .gate("video1", _, nil, .milliseconds(300)) = $0 { true } else { false } }, "nothing on its way: no hold")
        #expect(Self.stored(failed).map(\.outcome) == [.failed])
    }

    @Test func aRefusedContentChangeChangesNothing() throws {
        var decisions = resumed()
        let before = decisions.planner.builder.profiles["video1"]
        #expect(throws: ContentChangeError.self) { try decisions.changeContent("video1", ContentChange(capacity: 5, model: "nonsense"), history: [], at: Self.at(1)) }
        #expect(decisions.planner.builder.profiles["video1"] == before)
        #expect(throws: ContentChangeError.unknownContent("video99")) { try decisions.changeContent("video99", ContentChange(capacity: 5), history: [], at: Self.at(1)) }
        let taken = try decisions.changeContent("video1", ContentChange(capacity: 5, policy: .hybrid), history: [], at: Self.at(1))
        #expect(decisions.planner.builder.profiles["video1"]?.capacityPerInstance == 5)
        #expect(taken.contains { if case .storeContentChange("video1", _) = $0 { true } else { false } })
        #expect(taken.contains { if case .gate("video1", _, nil, .milliseconds(300)) = $0 { true } else { false } })
        #expect(taken.contains { if case .share("video1", 5) = $0 { true } else { false } }, "DNS gives each instance its new share")
    }

    /// An instance its operator's probes find unhealthy leaves DNS and stays deployed (no
    /// removal, no new deploy for it); healthy again, it is answered again. Each change is an event.
    @Test func anUnhealthyInstanceLeavesDNSWithoutARedeployAndReturnsWhenHealthy() throws {
        var decisions = resumed()
        let (_, ready) = try Self.deployReady(&decisions)
        var sick = ready
        sick.health = InstanceHealth(healthy: false, failures: 3, passes: 0, changed: Date(timeIntervalSinceReferenceDate: 6), lastFailure: "no 200 within 0.5 s")
        var round = decisions.beginReconcile()
        let out = decisions.edgesListed(["edge-1": .success((InstanceList(instances: [sick]), Self.node))], in: round, at: Self.at(6))
        #expect(Self.published(out) == [.remove(instance: "a", content: "video1", flavor: "clickos", address: "127.11.3.1")])
        #expect(Self.events(out) == ["health a"])
        #expect(!out.contains { if case .remove = $0 { true } else { false } } && Self.creates(out).isEmpty, "still deployed, not replaced")
        #expect(out.contains { if case .record(let instance, _, _) = $0 { !instance.isHealthy } else { false } }, "its row says so")
        round = decisions.beginReconcile()
        let still = decisions.edgesListed(["edge-1": .success((InstanceList(instances: [sick]), Self.node))], in: round, at: Self.at(7))
        #expect(Self.published(still).isEmpty && Self.events(still).isEmpty, "announced once")
        var well = ready
        well.health = InstanceHealth(healthy: true, failures: 0, passes: 2, changed: Date(timeIntervalSinceReferenceDate: 8))
        round = decisions.beginReconcile()
        let back = decisions.edgesListed(["edge-1": .success((InstanceList(instances: [well]), Self.node))], in: round, at: Self.at(8))
        #expect(Self.published(back) == [.add(instance: "a", content: "video1", flavor: "clickos", address: "127.11.3.1", edge: "edge-1")])
        #expect(Self.events(back) == ["health a"])
    }
}
