@testable import EdgeWire
import Testing
import TestSupport

/// What an edge sends a reader that gives a cursor: exactly what changed since, or the whole
/// list whenever the log cannot tell.
@Suite struct InstanceChangeLogTests {
    static func records(_ ids: [String]) -> [String: EdgeInstance] {
        Dictionary(uniqueKeysWithValues: ids.map { ($0, InstanceFixture.instance($0, phase: .ready)) })
    }

    @Test func aReaderGetsOnlyWhatChangedSinceItsCursorInTheOrderItChanged() {
        var log = InstanceChangeLog(run: "r1")
        let records = Self.records(["a", "b", "c"])
        for id in ["a", "b", "c"] { log.changed(id) }
        let first = log.list(since: nil, records: records)
        #expect(first.complete && first.instances.map(\.spec.id) == ["a", "b", "c"] && first.cursor == InstanceCursor(run: "r1", revision: 3))
        log.changed("c")
        log.changed("a")
        let next = log.list(since: first.cursor, records: records)
        #expect(!next.complete && next.instances.map(\.spec.id) == ["c", "a"])
        #expect(log.list(since: next.cursor, records: records).instances.isEmpty)
    }

    @Test func aCursorTheLogCannotAnswerGetsTheWholeList() {
        var log = InstanceChangeLog(run: "r1")
        let records = Self.records(["a", "b"])
        log.changed("a")
        log.changed("b")
        #expect(log.list(since: InstanceCursor(run: "r0", revision: 1), records: records).complete, "another run's revisions mean nothing here")
        #expect(log.list(since: InstanceCursor(run: "r1", revision: 9), records: records).complete, "a cursor from the future")
        // "a" ended at revision 3 and was forgotten: a reader at 2 never saw it end.
        log.changed("a")
        log.forgot("a")
        let behind = log.list(since: InstanceCursor(run: "r1", revision: 2), records: Self.records(["b"]))
        #expect(behind.complete && behind.instances.map(\.spec.id) == ["b"])
        #expect(!log.list(since: InstanceCursor(run: "r1", revision: 3), records: Self.records(["b"])).complete, "a reader past the forgotten end")
    }

    /// The log keeps its changes in revision order and compacts them as instances change
    /// again and again: a list since any cursor is still exactly what changed since, newest
    /// change last, each instance once.
    @Test func manyChangesOfFewInstancesStillListExactlyWhatChangedSince() {
        var log = InstanceChangeLog(run: "r1")
        let ids = ["a", "b", "c", "d"]
        var cursors: [InstanceCursor] = []
        var history: [String] = []
        for step in 0..<500 {
            let id = ids[(step * 7 + step / 3) % ids.count]
            log.changed(id)
            history.append(id)
            cursors.append(log.cursor)
        }
        let records = Self.records(ids)
        for (index, cursor) in cursors.enumerated() where index % 37 == 0 {
            let later = history[(index + 1)...]
            let expected = later.enumerated().filter { offset, id in !later.dropFirst(offset + 1).contains(id) }.map(\.element)
            let listed = log.list(since: cursor, records: records)
            #expect(!listed.complete && listed.instances.map(\.spec.id) == expected, "since revision \(cursor.revision)")
        }
        log.forgot("a")
        #expect(log.list(since: cursors[498], records: Self.records(["b", "c", "d"])).instances.allSatisfy { $0.spec.id != "a" })
    }

    @Test func cursorsParseOnlyTheirOwnForm() {
        #expect(InstanceCursor("3f2a-9c.17") == InstanceCursor(run: "3f2a-9c", revision: 17))
        #expect(InstanceCursor(InstanceCursor(run: "abc", revision: 0).description) == InstanceCursor(run: "abc", revision: 0))
        for bad in ["", "17", ".17", "abc.", "abc.-1", "abc.x", "a b.1", "a/b.1", String(repeating: "a", count: 65) + ".1", "abc.18446744073709551616"] {
            #expect(InstanceCursor(bad) == nil, "\(bad)")
        }
    }
}
