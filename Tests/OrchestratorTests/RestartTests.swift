import AugurModel
import DNSBalancer
@testable import EdgeLink
import EdgeOperator
import Foundation
@testable import Orchestrator
@testable import Planning
import Testing
import TestSupport

extension LoopServices {
    /// An orchestrator stopped dead in the middle of a deploy, and a new one started on the same
    /// store while the edges kept running: nothing is lost, nothing is orphaned, and DNS answers
    /// only what an edge confirms serving.
    @Suite struct RestartTests {
        @Test(.enabled(if: Testbed.runsAsRoot, "needs root: dockerd, the registry, network namespaces and the edges' daemons")) func aRestartMidDeployResumesReconcilesAndLeavesNothingOrphaned() async throws {
            let configuration = try LoopBed.configuration()
            let payloads = try await LoopBed.prepare(configuration, content: "video1")
            let edge = try LoopBed.emulatedEdge("edge-1", configuration: configuration, payloads: payloads)
            let directory = Testbed.temporaryDirectory("orchestrator")
            let settings = LoopSettings(intervalSeconds: 2, trainingIntervals: 1, dnsGraceSeconds: 0.2, drainSeconds: 1, edgeFlavors: ["clickos"])
            let models: [String: ModelChoice] = ["video1": .ema(span: 1)]

            // The first orchestrator: trains on one interval, then plans two instances for 60 lookups
            // and is stopped dead as soon as the edge has them on their way up.
            let poolsA = try LoopBed.pools(configuration)
            let loopA = LoopBed.loop(configuration, settings: settings, models: models, edges: [InProcessEdge(edge)], pools: poolsA, store: try StateStore.open(directory: directory))
            let (feedA, inputA) = AsyncStream.makeStream(of: IntervalSnapshot.self)
            let runA = Task { await loopA.run(snapshots: feedA) }
            inputA.yield(LoopBed.snapshot(0, lookups: 10))
            inputA.yield(LoopBed.snapshot(1, lookups: 60))
            #expect(await LoopBed.eventually(10) { await edge.instances().count == 2 })
            runA.cancel()
            await runA.value
            let deployed = Set(await edge.instances().map(\.spec.id))

            // While it was down: a record of an instance the edge no longer has, and one on an edge
            // that does not answer.
            let store = try StateStore.open(directory: directory)
            var ghost = InstanceFixture.instance("video1-clickos-ghost", phase: .ready, address: "127.11.3.200")
            ghost.spec.content = "video1"
            try store.record(ghost)
            var stranded = InstanceFixture.instance("video1-clickos-stranded", edge: "edge-2", phase: .ready, address: "127.12.3.200")
            stranded.spec.content = "video1"
            try store.record(stranded)

            let poolsB = try LoopBed.pools(configuration)
            let silent = RemoteEdge(client: EdgeClient(edge: "edge-2", baseURL: "http://127.0.0.1:9", token: "unused-token-0123456789"))
            let loopB = LoopBed.loop(configuration, settings: settings, models: models, edges: [InProcessEdge(edge), silent], pools: poolsB, store: store)
            let (feedB, inputB) = AsyncStream.makeStream(of: IntervalSnapshot.self)
            let runB = Task { await loopB.run(snapshots: feedB) }

            // Both instances become ready and are answered; nothing else is.
            let addresses = Set(await edge.instances().map(\.spec.address))
            #expect(await LoopBed.eventually(15) { LoopBed.answered(poolsB, "video1") == addresses.union(["127.10.0.1"]) })
            #expect(LoopBed.answered(poolsB, "video1") == addresses.union(["127.10.0.1"]), "answered: \(LoopBed.answered(poolsB, "video1"))")
            #expect(await loopB.intervalsClosed() == 2, "the progress was reloaded")
            #expect(await loopB.decisions.book.forecasts(horizon: 1).first?.steps.first?.mean == 60, "the predictor was reloaded")
            #expect(Set(await loopB.members().map(\.instance.spec.id)) == deployed.union(["video1-clickos-stranded"]), "the ghost is gone; the stranded one waits for its edge")
            #expect(await loopB.unreachableEdges() == ["edge-2"])
            #expect(try store.instances().map(\.spec.id).contains("video1-clickos-ghost") == false)
            for id in deployed { #expect(await loopB.members().first { $0.instance.spec.id == id }?.answered == true) }

            // Demand falls: both are drained, leave DNS first, and are destroyed on the edge.
            inputB.yield(LoopBed.snapshot(2, lookups: 5))
            #expect(await LoopBed.eventually(15) { await edge.instances().allSatisfy { $0.phase == .gone } })
            #expect(LoopBed.answered(poolsB, "video1") == ["127.10.0.1"])
            // The edge has them gone a moment before the loop stores the drains' outcomes.
            func drains() throws -> [ActionRecord] { try store.intervals(limit: 1).first?.actions ?? [] }
            let removed = try await LoopBed.eventually(10) { try drains().count == 2 && drains().allSatisfy { $0.kind == .drain && $0.outcome == .removed } }
            let outcomes = try drains().map { "\($0.kind) \($0.outcome)" }
            #expect(removed, "\(outcomes)")
            inputB.finish()
            inputA.finish()
            await runB.value
        }
    }
}
