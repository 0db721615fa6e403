import EdgeOperator
@testable import EdgeWire
import Foundation
import Logging
@testable import Orchestrator
import Testing

/// The loop's records stored off its actor: all of them, in order, with a bounded backlog,
/// and a failed batch loses its events only.
@Suite struct RecordWriterTests {
    static func batch(_ index: Int, phase: InstancePhase, message: String? = nil) -> RecordBatch {
        var pending = PendingWrites()
        pending.record(StateStoreTests.instance("a", phase: phase), removing: false, at: Date(timeIntervalSince1970: Double(index)))
        pending.append(.init(at: Date(timeIntervalSince1970: Double(index)), kind: "test", subject: "a", message: message ?? "\(index)"))
        return RecordBatch(pending: pending)
    }

    @Test func everyBatchIsStoredInTheOrderItCameWithABoundedBacklog() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("augur-writer-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try StateStore.open(directory: directory)
        let writer = SQLiteRecordWriter(store: store, logger: Logger(label: "test"), backlog: 4)
        var most = 0
        for index in 0..<500 {
            writer.submit(Self.batch(index, phase: index == 499 ? .ready : .booting))
            most = max(most, writer.waiting)
        }
        #expect(most <= 4, "the backlog never passed its bound: \(most)")
        await writer.drained()
        #expect(writer.waiting == 0)
        #expect(try store.events(limit: 1_000).map(\.message) == (0..<500).map(String.init))
        #expect(try store.instances().map(\.phase) == [.ready], "the last row of the instance wins")
    }

    @Test func aFailedBatchLosesItsEventsAndItsInstanceRowsAreWrittenWithTheNext() async throws {
        let store = try StateStore.inMemory()
        try store.write { db in
            try db.execute(sql: "CREATE TRIGGER poison BEFORE INSERT ON event WHEN NEW.message = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned'); END")
        }
        let writer = SQLiteRecordWriter(store: store, logger: Logger(label: "test"))
        writer.submit(Self.batch(0, phase: .booting, message: "poison"))
        await writer.drained()
        #expect(try store.instances().isEmpty, "the failed transaction stored nothing")
        var next = PendingWrites()
        next.append(.init(at: Date(timeIntervalSince1970: 1), kind: "test", subject: "b", message: "fine"))
        writer.submit(RecordBatch(pending: next))
        await writer.drained()
        #expect(try store.events().map(\.message) == ["fine"])
        #expect(try store.instances().map(\.spec.id) == ["a"], "the failed batch's instance row came with the next")
    }
}
