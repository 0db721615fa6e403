import AugurModel
import EdgeOperator
@testable import EdgeWire
import Foundation
@testable import Orchestrator
@testable import Planning
import Testing

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

    /// Each interval's regional lookups are stored beside its counts and read back, oldest
    /// first, to rebuild the regional shares; pruning takes them with their interval's count.
    @Test func regionalCountsAreKeptWithTheirIntervalsAndReadBackInOrder() throws {
        let store = try StateStore.inMemory()
        var progress = LoopProgress()
        for index in 0..<3 {
            let start = Date(timeIntervalSince1970: Double(index) * 30)
            let regions: [String: [String: IntervalRecord.RegionalDemand]] = [
                "video5": ["north": .init(lookups: 10 * index, share: 0.5, forecast: 1), "south": .init(lookups: 5, share: 0.5, forecast: 1)],
            ]
            let record = IntervalRecord(
                interval: index, start: start, end: start + 30, training: false, lookups: ["video5": 10 * index + 5, "video1": 2], forecasts: [:], unmet: [],
                actions: [], tickMilliseconds: 1, regions: regions)
            progress.intervals = index + 1
            try store.recordInterval(record, progress: progress)
        }
        let recent = try store.recentRegionalCounts(intervals: 2)
        #expect(recent.map(\.totals) == [["video5": 15, "video1": 2], ["video5": 25, "video1": 2]])
        #expect(recent.map(\.byRegion) == [["video5": ["north": 10, "south": 5]], ["video5": ["north": 20, "south": 5]]])
        let pruned = try store.prune(before: Date(timeIntervalSince1970: 60), keepingCounts: 1)
        #expect(pruned.counts == 2 * 2 + 3, "two counts per content and the older intervals' three regional counts (north had none in the first)")
        #expect(try store.recentRegionalCounts(intervals: 10).map(\.byRegion) == [["video5": ["north": 20, "south": 5]]])
    }

    /// Ten days of one-a-day intervals, pruned at seven, a few rows a transaction: the old
    /// counts, forecasts, plans, actions, events and finished instances go; the predictors'
    /// newest counts stay whatever their age; live instances stay. Windows read only what
    /// they ask for.
    @Test func pruningKeepsTheRetentionAndThePredictorsHistory() throws {
        let store = try StateStore.inMemory()
        let day = 86_400.0
        var progress = LoopProgress()
        for index in 0..<10 {
            let start = Date(timeIntervalSince1970: Double(index) * day)
            let action = ActionRecord(id: Int64(index), interval: index, kind: .deploy, content: "video5", flavor: "clickos", edge: "edge-1", reason: "test", outcome: .ready, updatedAt: start)
            let record = IntervalRecord(
                interval: index, start: start, end: start + 30, training: false, lookups: ["video5": index, "video1": 100 + index],
                forecasts: ["video5": [.init(mean: Double(index), standardError: 1)]], unmet: [], actions: [action], tickMilliseconds: 1)
            progress.intervals = index + 1
            var pending = PendingWrites()
            pending.append(.init(at: start, kind: "tick", subject: "loop", message: "\(index)"))
            var finished = Self.instance("old-\(index)", phase: .gone)
            finished.spec.address = "127.11.3.\(index + 10)"
            pending.record(finished, removing: false, at: start)
            try store.recordInterval(record, progress: progress, pending: pending)
        }
        try store.record(Self.instance("live", phase: .ready), at: Date(timeIntervalSince1970: 0))

        let pruned = try store.prune(before: Date(timeIntervalSince1970: 7 * day), keepingCounts: 4, batch: 3)
        #expect(pruned.transactions == 4 + 5 * 3, "12 counts, then 7 rows in each of five tables, 3 rows a transaction (\(pruned))")
        #expect(pruned.counts == 2 * 6, "6 per content: the 7 older than the cutoff but one of the newest 4 (\(pruned))")
        #expect(pruned.plans == 7 && pruned.actions == 7 && pruned.events == 7 && pruned.instances == 7, "\(pruned)")
        #expect(try store.counts(of: "video5").map(\.lookups) == [6, 7, 8, 9], "the newest 4 stay (one of them older than the cutoff)")
        #expect(try store.intervals(limit: 100).map(\.interval) == [9, 8, 7])
        #expect(try store.events().map(\.message) == ["7", "8", "9"])
        #expect(try store.instances().map(\.spec.id) == ["live"], "a live instance is never pruned")
        #expect(try store.forecasts(of: "video5", limit: 100).map(\.interval) == [8, 9, 10])

        // Windows.
        #expect(try store.counts(of: "video5", since: Date(timeIntervalSince1970: 8 * day), limit: 100).map(\.lookups) == [8, 9])
        #expect(try store.counts(of: "video1", limit: 2).map(\.lookups) == [108, 109])
        #expect(try store.forecasts(of: "video5", since: Date(timeIntervalSince1970: 9 * day), limit: 100).map(\.interval) == [10])
        #expect(try store.forecasts(of: "video5", limit: 1).map(\.interval) == [10])
    }

    /// A read for a caller on the cooperative pool runs on the store's own threads and
    /// answers what the same read answers synchronously.
    @Test func readsForTheCooperativePoolRunOnTheStoresOwnThreads() async throws {
        let store = try StateStore.inMemory()
        var pending = PendingWrites()
        pending.append(.init(at: Date(timeIntervalSince1970: 5), kind: "tick", subject: "loop", message: "read me"))
        try store.store(pending)
        let (queue, events) = try await store.reading { store in (DispatchQueue.getSpecific(key: StateStore.readQueueKey), try store.events()) }
        #expect(queue == "augur.store.reads")
        #expect(events.map(\.message) == ["read me"])
        #expect(DispatchQueue.getSpecific(key: StateStore.readQueueKey) == nil, "the test itself is not on those threads")
    }

    /// The service prunes by its clock: eight days after an event, a seven-day retention drops it.
    @Test func theRetentionServicePrunesByItsClock() throws {
        let store = try StateStore.inMemory()
        try store.append(.init(at: Date(timeIntervalSince1970: 0), kind: "old", subject: "loop", message: "old"))
        try store.append(.init(at: Date(timeIntervalSince1970: 7.5 * 86_400), kind: "new", subject: "loop", message: "new"))
        let service = RetentionService(store: store, retention: .seconds(7 * 86_400), logger: LoopBed.logger, now: { Date(timeIntervalSince1970: 8 * 86_400) })
        #expect(service.pruneOnce()?.events == 1)
        #expect(try store.events().map(\.message) == ["new"])
    }
}
