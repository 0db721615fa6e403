import Foundation
import Planning

/// What the loop hands its record sink to store, in the order it decided it: instance rows,
/// events and action outcomes, and a closed interval's series. What is acted on (the actions
/// and the progress) is not in it: the loop stores that itself, before it acts.
public struct RecordBatch: Sendable {
    public var interval: IntervalSeries?
    public var pending: PendingWrites

    public init(interval: IntervalSeries? = nil, pending: PendingWrites = PendingWrites()) {
        self.interval = interval
        self.pending = pending
    }
}

/// A closed interval's counts, forecasts and plan summary, and what served each content as
/// the next one began.
public struct IntervalSeries: Sendable {
    public var record: IntervalRecord
    public var readyNext: [String: ReadyCapacity]

    public init(record: IntervalRecord, readyNext: [String: ReadyCapacity]) {
        self.record = record
        self.readyNext = readyNext
    }
}

/// Where the loop's records go once decided, so that storing them is not on the loop's path:
/// `submit` returns at once (or, past a bounded lag, once the backlog is stored), batches
/// are stored in the order they came, and `drained` returns once all of them are. A crash
/// loses at most the backlog, never a decision (the loop stores those itself first). SQLite
/// is one implementation; a replicated store is another behind the same calls.
public protocol LoopRecordSink: Sendable {
    func submit(_ batch: RecordBatch)
    func drained() async
}
