import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The lookups of one closed counting interval: what the predictors learn from.
public struct IntervalSnapshot: Sendable, Hashable {
    /// 0 for the first interval after start.
    public var index: Int
    public var start: Date
    public var end: Date
    public var counts: DemandCounts
    /// False for the last interval, cut short when the counter stopped: its counts cover
    /// only part of an interval, so they are no interval's demand.
    public var complete: Bool

    public init(index: Int, start: Date, end: Date, counts: DemandCounts, complete: Bool = true) {
        self.index = index
        self.start = start
        self.end = end
        self.counts = counts
        self.complete = complete
    }
}

/// Closes a counting interval every `interval`, drains the counters and publishes the
/// snapshot to every subscriber. On shutdown the partial last interval is published too,
/// marked incomplete, so no counted lookup is lost and none is mistaken for a whole
/// interval's. The clock is injected so tests can drive time.
public final class IntervalCounter<C: Clock>: Service, Sendable where C.Duration == Duration {
    private let counters: DemandCounters
    private let interval: Duration
    private let clock: C
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let subscribers = Mutex<[UUID: AsyncStream<IntervalSnapshot>.Continuation]>([:])

    public init(counters: DemandCounters, interval: Duration, clock: C, now: @escaping @Sendable () -> Date = Date.init, logger: Logger) {
        self.counters = counters
        self.interval = interval
        self.clock = clock
        self.now = now
        self.logger = logger
    }

    /// A stream of every interval closed from now on; it ends when the counter stops.
    public func subscribe() -> AsyncStream<IntervalSnapshot> {
        let (stream, continuation) = AsyncStream.makeStream(of: IntervalSnapshot.self, bufferingPolicy: .bufferingNewest(1_024))
        let id = UUID()
        subscribers.withLock { $0[id] = continuation }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.removeValue(forKey: id) }
        }
        return stream
    }

    /// Lookups counted before the first tick belong to interval 0: nothing counted is dropped.
    public func run() async throws {
        var start = now()
        var deadline = clock.now.advanced(by: interval)
        var index = 0
        var stopping = false
        while !stopping {
            do {
                try await cancelWhenGracefulShutdown { [clock, deadline] in try await clock.sleep(until: deadline, tolerance: nil) }
            } catch {
                stopping = true
            }
            let end = now()
            publish(IntervalSnapshot(index: index, start: start, end: end, counts: counters.drain(), complete: !stopping))
            index += 1
            start = end
            deadline = deadline.advanced(by: interval)
        }
        // Finish outside the lock: finishing runs onTermination, which takes the lock again.
        let finished = subscribers.withLock { table in
            defer { table.removeAll() }
            return Array(table.values)
        }
        for continuation in finished { continuation.finish() }
    }

    private func publish(_ snapshot: IntervalSnapshot) {
        logger.info(snapshot.complete ? "interval closed" : "interval cut short by the stop", metadata: [
            "dns.interval": "\(snapshot.index)",
            "dns.queries": "\(snapshot.counts.total)",
            "dns.unknown": "\(snapshot.counts.unknown)",
            "dns.limited": "\(snapshot.counts.limited)",
            "dns.content": .dictionary(snapshot.counts.contents.mapValues { .stringConvertible($0.total) }),
        ])
        let targets = subscribers.withLock { Array($0.values) }
        for continuation in targets { continuation.yield(snapshot) }
    }
}
