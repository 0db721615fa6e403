import AugurModel
import DNSBalancer
import Foundation
import Metrics
@testable import Orchestrator
@testable import Planning
import Testing

/// Order searches and fits run off the loop's actor: a tick only leaves them as work, and
/// the running loop performs them as jobs and uses the result from the next interval.
@Suite(.timeLimit(.minutes(1))) struct ModelWorkTests {
    static func loop(store: StateStore) throws -> ControlLoop {
        let configuration = try LoopBed.configuration()
        return ControlLoop(
            configuration: configuration, settings: LoopSettings(intervalSeconds: 2, trainingIntervals: 30), models: ["video1": .auto(period: 5)], edges: [],
            pools: try LoopBed.pools(configuration), store: store, metricsFactory: NOOPMetricsHandler.instance, logger: LoopBed.logger)
    }

    @Test func aTickLeavesTheSearchAsWork() async throws {
        let loop = try Self.loop(store: try StateStore.inMemory())
        for index in 0..<12 { await loop.tick(LoopBed.snapshot(index, lookups: index % 5 == 0 ? 100 : 10)) }
        #expect(await loop.decisions.book.entries["video1"]?.predictor == nil, "the tick did not search")
        #expect(await loop.decisions.book.work().map(\.content) == ["video1"])
    }

    @Test func theRunningLoopPerformsItAndUsesTheModel() async throws {
        let store = try StateStore.inMemory()
        let loop = try Self.loop(store: store)
        let (feed, input) = AsyncStream.makeStream(of: IntervalSnapshot.self)
        let run = Task { await loop.run(snapshots: feed) }
        defer { run.cancel() }
        for index in 0..<12 { input.yield(LoopBed.snapshot(index, lookups: index % 5 == 0 ? 100 : 10)) }
        #expect(await LoopBed.eventually(20) {
            let book = await loop.decisions.book
            return book.entries["video1"]?.predictor != nil && book.work().isEmpty
        })
        #expect(try store.events().contains { $0.kind == "model" && $0.subject == "video1" && $0.message.hasPrefix("settled:") })
        input.yield(LoopBed.snapshot(12, lookups: 10))
        #expect(await LoopBed.eventually(10) { await loop.latestInterval()?.forecasts["video1"]?.first != nil })
    }
}
