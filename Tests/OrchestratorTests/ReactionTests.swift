import AugurModel
@testable import DNSBalancer
import EdgeOperator
import Foundation
@testable import Orchestrator
@testable import Planning
import Testing
import TestSupport

/// The hybrid loop within an interval, against a real DNS balancer and an in-memory edge:
/// lookups past what is ready start a reactive deploy at once, and a lookup made while that
/// instance boots is held and answered with it, within the bound.
@Suite(.timeLimit(.minutes(1))) struct ReactionTests {
    @Test func aSurgeDeploysWithinTheIntervalAndAHeldLookupIsAnsweredWithTheNewInstance() async throws {
        var configuration = try LoopBed.configuration()
        // The gate holds a lookup only until the instance is expected ready: expected 8 s after
        // the deploy (within the 10 s bound), the test's steps fit even on a loaded machine.
        configuration.flavors["clickos"]?.timing.bootMilliseconds = 8_000
        let pools = try LoopBed.pools(configuration)
        let edge = MemoryEdge(node: try #require(configuration.topology.node(named: "edge-1")), flavors: configuration.flavors)
        await edge.setOutcome(.hold, for: "clickos")
        // A long interval: only a lookup past capacity can start the reaction this test sees; a
        // long hold: the test's own steps may be slow on a busy machine.
        let settings = LoopSettings(
            intervalSeconds: 300, trainingIntervals: 1, edgeFlavors: ["clickos"], scaling: .hybrid, reactEvery: .seconds(60), hold: .seconds(10))
        let store = try StateStore.inMemory()
        let loop = LoopBed.loop(configuration, settings: settings, models: ["video1": .ema(span: 1)], edges: [edge], pools: pools, store: store)
        let server = try await DNSServer.start(pools: pools, listen: [try #require(SocketEndpoint("127.0.0.1:0"))], workers: 1, udpIO: .batch)
        defer { Task { await server.stop() } }
        let port = server.endpoints[0].port
        let (feed, input) = AsyncStream.makeStream(of: IntervalSnapshot.self)
        let running = Task { await loop.run(snapshots: feed) }
        defer { input.finish(); running.cancel() }
        #expect(await LoopBed.eventually(30) { await loop.resumed })

        // The core's baseline serves 20 lookups; with the 25 % margin the 26th crosses.
        let names = Array(repeating: "video1.cdn.example", count: 26)
        _ = try await Testbed.tool("dig", ["@127.0.0.1", "-p", "\(port)", "+short", "+tries=1", "+time=2"] + names, failOnExit: false)
        #expect(await LoopBed.eventually(30) { await !edge.calls.filter { $0.hasPrefix("create video1/clickos") }.isEmpty }, "a reactive deploy, within the interval")
        let booting = try #require(try await edge.instances().first)
        #expect(await loop.reactiveDeploys >= 1)

        // Asked while it boots, once the loop has opened the gate (on a loaded machine that
        // comes after the edge lists the instance): held; released when the edge says it is ready.
        #expect(await LoopBed.eventually(30) { pools.counters.gate("video1")?.holdUntil(count: 27, now: HoldGate.now()) != nil }, "the hold gate opens")
        let asked = Task { try await Testbed.tool("dig", ["@127.0.0.1", "-p", "\(port)", "+tries=1", "+time=15", "video1.cdn.example", "A"], failOnExit: false) }
        try await Task.sleep(for: .milliseconds(400))
        await edge.release(booting.spec.id, to: .ready)
        let answer = try await asked.value
        #expect(answer.contains(booting.spec.address), "answered with the instance that became ready: \(answer)")
        let time = answer.split(separator: "\n").first { $0.contains("Query time:") }.flatMap { $0.split(separator: " ").compactMap { Int($0) }.first }
        #expect((time ?? .max) < 10_000, "never past the bound: \(answer)")
        #expect(pools.counters.peek()["video1"] == 27, "the held lookup was counted once")
    }
}
