import AugurModel
import EdgeOperator
import Foundation
import Testing
@testable import Orchestrator

@Suite struct StateStoreTests {
    static func instance(_ id: String, phase: InstancePhase) -> EdgeInstance {
        var instance = EdgeInstance(
            spec: InstanceSpec(id: id, edge: "edge-1", content: "video5", flavor: "clickos", runtime: .emulated, image: "127.0.0.1:5000/augur/clickos:video5", address: "127.11.3.1", port: 8080),
            requested: Date(timeIntervalSince1970: 1_000), emulated: true)
        instance.phase = phase
        instance.timeline.began[phase] = Date(timeIntervalSince1970: 1_001)
        return instance
    }

    @Test func instancesCountsAndEventsSurviveAReopen() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("augur-store-\(UUID().uuidString.prefix(8))")
        do {
            let store = try StateStore.open(directory: directory)
            #expect(try store.journalMode() == "wal")
            try store.record(Self.instance("a", phase: .booting))
            try store.record(Self.instance("a", phase: .ready))
            try store.record(Self.instance("b", phase: .gone))
            try store.recordCounts(["video5": 100, "video1": 3], intervalStart: Date(timeIntervalSince1970: 30))
            try store.recordCounts(["video5": 20], intervalStart: Date(timeIntervalSince1970: 0))
            try store.recordCounts(["video5": 21], intervalStart: Date(timeIntervalSince1970: 0))
            try store.append(.init(at: Date(timeIntervalSince1970: 5), kind: "deploy", subject: "a", message: "surge ahead"))
        }
        let reopened = try StateStore.open(directory: directory)
        let live = try reopened.instances()
        #expect(live.map(\.spec.id) == ["a"])
        #expect(live.first?.phase == .ready)
        #expect(live.first?.timeline.began[.ready] == Date(timeIntervalSince1970: 1_001))
        #expect(try reopened.instances(liveOnly: false).count == 2)
        #expect(try reopened.counts(of: "video5").map(\.lookups) == [21, 100])
        #expect(try reopened.counts(of: "video10").isEmpty)
        #expect(try reopened.events().map(\.message) == ["surge ahead"])
    }

    @Test func eventsKeepTheNewestInOrder() throws {
        let store = try StateStore.inMemory()
        for index in 0..<5 {
            try store.append(.init(at: Date(timeIntervalSince1970: Double(index)), kind: "tick", subject: "loop", message: "\(index)"))
        }
        #expect(try store.events(limit: 3).map(\.message) == ["2", "3", "4"])
    }

    /// A tick's instance rows and events land in its interval's one transaction; the newest
    /// row per instance wins.
    @Test func aTicksPendingRowsLandWithItsInterval() throws {
        let store = try StateStore.inMemory()
        var pending = PendingWrites()
        pending.record(Self.instance("a", phase: .booting), removing: false, at: Date(timeIntervalSince1970: 10))
        pending.record(Self.instance("a", phase: .ready), removing: true, at: Date(timeIntervalSince1970: 11))
        pending.append(.init(at: Date(timeIntervalSince1970: 11), kind: "ready", subject: "a", message: "serving"))
        let record = IntervalRecord(
            interval: 0, start: Date(timeIntervalSince1970: 0), end: Date(timeIntervalSince1970: 30), training: true, lookups: ["video5": 7],
            forecasts: [:], unmet: [], actions: [], tickMilliseconds: 1)
        var progress = LoopProgress()
        progress.intervals = 1
        try store.recordInterval(record, progress: progress, pending: pending)
        #expect(try store.instances().map(\.phase) == [.ready])
        #expect(try store.instancesBeingRemoved() == ["a"])
        #expect(try store.events().map(\.message) == ["serving"])
        #expect(try store.counts(of: "video5").map(\.lookups) == [7])
        #expect(try store.loadProgress()?.intervals == 1)
    }
}
