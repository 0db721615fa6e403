@testable import EdgeWire
import Foundation
@testable import Planning
import TestSupport
import Testing

/// The rule DNS follows: an address is answered exactly while its instance is ready, is not
/// being removed and its edge answers.
@Suite struct FleetTests {
    @Test func addressEntersDNSOnlyWhenReadyAndLeavesBeforeTheEdgeRemovesIt() {
        var fleet = Fleet()
        #expect(fleet.observe(InstanceFixture.instance("a", phase: .pulling)).isEmpty)
        #expect(fleet.observe(InstanceFixture.instance("a", phase: .booting)).isEmpty)
        #expect(fleet.observe(InstanceFixture.instance("a", phase: .ready)) == [.add(instance: "a", content: "video5", flavor: "clickos", address: "127.11.3.1", edge: "edge-1")])
        #expect(fleet.observe(InstanceFixture.instance("a", phase: .ready)).isEmpty, "a repeated report changes nothing")
        #expect(fleet.beginRemoval("a") == [.remove(instance: "a", content: "video5", flavor: "clickos", address: "127.11.3.1")])
        #expect(fleet.observe(InstanceFixture.instance("a", phase: .ready)).isEmpty, "an instance being removed is not answered again")
        #expect(fleet.observe(InstanceFixture.instance("a", phase: .gone)).isEmpty)
        #expect(fleet.members["a"] == nil)
    }

    @Test func anUnreachableEdgeLeavesDNSAndComesBackWhenItAnswers() {
        var fleet = Fleet()
        _ = fleet.observe(InstanceFixture.instance("a", phase: .ready))
        _ = fleet.observe(InstanceFixture.instance("b", edge: "edge-2", phase: .ready, address: "127.12.3.1"))
        #expect(fleet.lost(edge: "edge-1") == [.remove(instance: "a", content: "video5", flavor: "clickos", address: "127.11.3.1")])
        #expect(fleet.observe(InstanceFixture.instance("a", phase: .ready)).isEmpty, "no answer while the edge is unreachable")
        #expect(fleet.reconcile(edge: "edge-1", report: [InstanceFixture.instance("a", phase: .ready)], asOf: fleet.generation).changes == [.add(instance: "a", content: "video5", flavor: "clickos", address: "127.11.3.1", edge: "edge-1")])
        #expect(fleet.members["b"]?.answered == true)
    }

    @Test func theEdgeIsTheTruthVanishedInstancesAreGoneAndUnknownOnesAdopted() {
        var fleet = Fleet()
        _ = fleet.observe(InstanceFixture.instance("a", phase: .ready))
        let (changes, _, vanished) = fleet.reconcile(edge: "edge-1", report: [InstanceFixture.instance("c", phase: .ready, address: "127.11.3.3")], asOf: fleet.generation)
        #expect(vanished.map(\.spec.id) == ["a"] && vanished.allSatisfy { $0.phase == .gone })
        #expect(Set(changes) == [
            .remove(instance: "a", content: "video5", flavor: "clickos", address: "127.11.3.1"),
            .add(instance: "c", content: "video5", flavor: "clickos", address: "127.11.3.3", edge: "edge-1"),
        ])
        #expect(fleet.live.map(\.instance.spec.id) == ["c"])
        #expect(fleet.cachedImages["edge-1"] == ["clickos/video5"])
    }

    @Test func aRestoredFleetAnswersNothingUntilItsEdgeReports() {
        var fleet = Fleet(restoring: [InstanceFixture.instance("a", phase: .ready), InstanceFixture.instance("b", phase: .ready, address: "127.11.3.2")], removing: ["b"], edges: ["edge-1"])
        #expect(fleet.live.allSatisfy { !$0.answered })
        let changes = fleet.reconcile(edge: "edge-1", report: [InstanceFixture.instance("a", phase: .ready), InstanceFixture.instance("b", phase: .ready, address: "127.11.3.2")], asOf: fleet.generation).changes
        #expect(changes == [.add(instance: "a", content: "video5", flavor: "clickos", address: "127.11.3.1", edge: "edge-1")], "b stays out: its removal was decided")
    }

    /// A list requested before a job's answer arrived says nothing of what that job saw: a
    /// deploy created meanwhile is not gone, a removal decided meanwhile keeps its flag, and a
    /// stale "booting" does not take a ready address out of DNS.
    @Test func aListRequestedBeforeAJobsAnswerDoesNotUndoIt() {
        var fleet = Fleet()
        _ = fleet.observe(InstanceFixture.instance("a", phase: .booting))
        _ = fleet.observe(InstanceFixture.instance("b", phase: .ready, address: "127.11.3.2"))
        let asOf = fleet.generation
        // While the list is on its way: a job sees "a" ready, a new "c" is created, "b"'s removal is decided.
        #expect(fleet.observe(InstanceFixture.instance("a", phase: .ready)) == [.add(instance: "a", content: "video5", flavor: "clickos", address: "127.11.3.1", edge: "edge-1")])
        _ = fleet.observe(InstanceFixture.instance("c", phase: .pulling, address: "127.11.3.3"))
        _ = fleet.beginRemoval("b")
        let stale = [InstanceFixture.instance("a", phase: .booting), InstanceFixture.instance("b", phase: .ready, address: "127.11.3.2")]
        let (changes, applied, vanished) = fleet.reconcile(edge: "edge-1", report: stale, asOf: asOf)
        #expect(changes.isEmpty, "\(changes)")
        #expect(vanished.isEmpty, "c was created after the list was asked for")
        #expect(applied.map(\.spec.id) == ["b"])
        #expect(fleet.members["a"]?.instance.phase == .ready && fleet.members["a"]?.answered == true)
        #expect(fleet.members["b"]?.removing == true && fleet.members["b"]?.answered == false)
        #expect(fleet.members["c"]?.instance.phase == .pulling)
        // The next list, asked for now, is the truth again.
        #expect(fleet.reconcile(edge: "edge-1", report: [], asOf: fleet.generation).vanished.map(\.spec.id).sorted() == ["a", "b", "c"])
    }

    /// A removal that ends while a list is on its way: the stale list still shows the instance
    /// ready, and it must not come back as a new, answered member (the next plan would drain
    /// it a second time). A list asked for after it ended is the truth again.
    @Test func aListRequestedBeforeAnInstanceEndedDoesNotBringItBack() {
        var fleet = Fleet()
        _ = fleet.observe(InstanceFixture.instance("a", phase: .ready))
        _ = fleet.beginRemoval("a")
        let asOf = fleet.generation
        #expect(fleet.observe(InstanceFixture.instance("a", phase: .gone)).isEmpty)
        let (changes, applied, _) = fleet.reconcile(edge: "edge-1", report: [InstanceFixture.instance("a", phase: .ready)], asOf: asOf)
        #expect(changes.isEmpty && applied.isEmpty, "\(changes)")
        #expect(fleet.members["a"] == nil)
        let fresh = fleet.reconcile(edge: "edge-1", report: [InstanceFixture.instance("a", phase: .ready)], asOf: fleet.generation)
        #expect(fresh.changes == [.add(instance: "a", content: "video5", flavor: "clickos", address: "127.11.3.1", edge: "edge-1")], "an edge that lists it now is believed")
    }

    /// An edge that keeps its ended instances listed: once gone, they are not taken up again.
    @Test func endedInstancesAnEdgeKeepsListingAreNotTakenUpAgain() {
        var fleet = Fleet()
        let gone = InstanceFixture.instance("a", phase: .gone)
        let first = fleet.reconcile(edge: "edge-1", report: [gone], asOf: fleet.generation)
        #expect(first.applied.isEmpty && first.changes.isEmpty && fleet.members.isEmpty)
        _ = fleet.observe(InstanceFixture.instance("b", phase: .ready, address: "127.11.3.2"))
        _ = fleet.observe(InstanceFixture.instance("b", phase: .gone, address: "127.11.3.2"))
        let next = fleet.reconcile(edge: "edge-1", report: [gone, InstanceFixture.instance("b", phase: .gone, address: "127.11.3.2")], asOf: fleet.generation)
        #expect(next.applied.isEmpty && fleet.live.isEmpty)
    }

    /// A list of changes only applies what it holds: the members it does not name stand, and
    /// an instance it reports ended is gone.
    @Test func aListOfChangesLeavesTheOthersAsTheyAre() {
        var fleet = Fleet()
        _ = fleet.observe(InstanceFixture.instance("a", phase: .ready))
        _ = fleet.observe(InstanceFixture.instance("b", phase: .booting, address: "127.11.3.2"))
        _ = fleet.observe(InstanceFixture.instance("c", phase: .ready, address: "127.11.3.3"))
        let (changes, applied, vanished) = fleet.reconcile(
            edge: "edge-1", report: [InstanceFixture.instance("b", phase: .ready, address: "127.11.3.2"), InstanceFixture.instance("c", phase: .gone, address: "127.11.3.3")],
            asOf: fleet.generation, complete: false)
        #expect(vanished.isEmpty, "what a list of changes does not name did not vanish")
        #expect(applied.map(\.spec.id) == ["b", "c"])
        #expect(changes == [
            .add(instance: "b", content: "video5", flavor: "clickos", address: "127.11.3.2", edge: "edge-1"),
            .remove(instance: "c", content: "video5", flavor: "clickos", address: "127.11.3.3"),
        ])
        #expect(fleet.live.map(\.instance.spec.id) == ["a", "b"])
        #expect(fleet.live.allSatisfy { $0.answered })
        // The same members, now in a whole list without "a": it is gone.
        let whole = fleet.reconcile(edge: "edge-1", report: [InstanceFixture.instance("b", phase: .ready, address: "127.11.3.2")], asOf: fleet.generation)
        #expect(whole.vanished.map(\.spec.id) == ["a"])
    }

    /// After its edge was lost, even a list of changes puts the edge's ready members back in DNS.
    @Test func aListOfChangesFromAReturningEdgeAnswersItsReadyMembersAgain() {
        var fleet = Fleet()
        _ = fleet.observe(InstanceFixture.instance("a", phase: .ready))
        _ = fleet.lost(edge: "edge-1")
        let (changes, _, vanished) = fleet.reconcile(edge: "edge-1", report: [], asOf: fleet.generation - 1, complete: false)
        #expect(changes == [.add(instance: "a", content: "video5", flavor: "clickos", address: "127.11.3.1", edge: "edge-1")] && vanished.isEmpty)
    }

    /// What the loop follows (members on their way up or out) and the per-edge phase counts
    /// are kept as members change, and agree with a scan of the live members.
    @Test func unsettledMembersAndPhaseCountsFollowEveryChange() {
        var fleet = Fleet()
        var generator = SeededRandom(seed: 7)
        let phases: [InstancePhase] = [.pulling, .booting, .ready, .draining, .gone, .failed]
        for _ in 0..<2_000 {
            let id = "i\(Int.random(in: 0..<40, using: &generator))"
            let edge = Bool.random(using: &generator) ? "edge-1" : "edge-2"
            if Int.random(in: 0..<10, using: &generator) == 0 {
                _ = fleet.beginRemoval(id)
            } else {
                _ = fleet.observe(InstanceFixture.instance(id, edge: edge, phase: phases[Int.random(in: 0..<phases.count, using: &generator)]))
            }
            let live = fleet.live
            #expect(fleet.unsettled.map(\.instance.spec.id) == live.filter { $0.removing || $0.instance.phase == .pulling || $0.instance.phase == .booting }.map(\.instance.spec.id))
            let counted = Dictionary(grouping: live, by: \.instance.spec.edge).mapValues { Dictionary(grouping: $0, by: \.instance.phase).mapValues(\.count) }
            #expect(fleet.liveByEdge.mapValues { $0.filter { $0.value > 0 } }.filter { !$0.value.isEmpty } == counted)
        }
    }

    @Test func aFailedInstanceIsDroppedAndNeverAnswered() {
        var fleet = Fleet()
        #expect(fleet.observe(InstanceFixture.instance("a", phase: .failed)).isEmpty)
        #expect(fleet.live.isEmpty)
    }
}
