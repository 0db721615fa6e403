import Logging
import Synchronization

/// The loop's records stored in SQLite by the store's one writer, off the loop's actor.
/// Batches that arrive while a transaction is in flight wait and go together in the next
/// one. Past `backlog` waiting batches, `submit` stores them before it returns: the lag
/// stays bounded however slow the disk. A batch that fails is logged; its instance rows are
/// written again with the next batch (each newer row of an instance replaces the last, so
/// they stay bounded) and its events are dropped, counted in the log.
public final class SQLiteRecordWriter: LoopRecordSink {
    private struct State {
        var queued: [RecordBatch] = []
        /// Batches handed to the store and not yet committed or failed.
        var inFlight = 0
        var retry = PendingWrites()
        var drains: [CheckedContinuation<Void, Never>] = []

        /// Takes what waits, with the rows to retry first.
        mutating func take() -> [RecordBatch] {
            defer { (queued, retry) = ([], PendingWrites()) }
            return retry.isEmpty ? queued : [RecordBatch(pending: retry)] + queued
        }
    }

    private enum Step {
        case none
        case start([RecordBatch])
        case storeNow([RecordBatch])
    }

    private let store: StateStore
    private let logger: Logger
    public let backlog: Int
    private let state = Mutex(State())

    public init(store: StateStore, logger: Logger, backlog: Int = 64) {
        self.store = store
        self.logger = logger
        self.backlog = max(1, backlog)
    }

    public func submit(_ batch: RecordBatch) {
        let step: Step = state.withLock { state in
            state.queued.append(batch)
            if state.inFlight == 0 {
                state.inFlight += 1
                return .start(state.take())
            }
            guard state.queued.count >= backlog else { return .none }
            state.inFlight += 1
            return .storeNow(state.take())
        }
        switch step {
        case .none:
            break
        case .start(let batches):
            write(batches)
        case .storeNow(let batches):
            // Behind the transaction in flight: the store's writer is serial, so the order holds.
            var failure: (any Error)?
            do { try store.store(batches) } catch { failure = error }
            finished(batches, failure, next: false)
        }
    }

    /// Batches waiting for the next transaction (at most `backlog`).
    var waiting: Int { state.withLock { $0.queued.count } }

    public func drained() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { state in
                guard state.inFlight > 0 || !state.queued.isEmpty else { return true }
                state.drains.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }

    private func write(_ batches: [RecordBatch]) {
        store.enqueue(batches) { failure in self.finished(batches, failure, next: true) }
    }

    /// Notes how `batches` ended; with `next`, starts the transaction of what waited meanwhile.
    private func finished(_ batches: [RecordBatch], _ failure: (any Error)?, next: Bool) {
        if let failure {
            let events = batches.map(\.pending.events.count).reduce(0, +)
            let intervals = batches.compactMap(\.interval?.record.interval)
            logger.error("cannot store the loop's records; instance rows retried", metadata: [
                "error": "\(failure)", "events.dropped": "\(events)", "intervals.lost": "\(intervals)",
                "outcomes.lost": "\(batches.map(\.pending.outcomes.count).reduce(0, +))",
            ])
        }
        let (following, drains): ([RecordBatch]?, [CheckedContinuation<Void, Never>]) = state.withLock { state in
            if failure != nil {
                for batch in batches { state.retry.update(with: batch.pending.instances) }
            }
            if next, !state.queued.isEmpty { return (state.take(), []) }
            state.inFlight -= 1
            guard state.inFlight == 0, state.queued.isEmpty else { return (nil, []) }
            defer { state.drains = [] }
            return (nil, state.drains)
        }
        if let following { write(following) }
        for drain in drains { drain.resume() }
    }
}
