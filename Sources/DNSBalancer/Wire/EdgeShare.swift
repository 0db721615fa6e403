import Synchronization

/// How many lookups of one content one edge has been given in the open interval, for the
/// regional answers: an edge with ready capacity takes the lookups of its region's clients
/// until its instances' share is spent, then the next edge joins. Lock-free; the count
/// starts again when the interval (the counters' drain number) moves. Concurrent workers
/// may give an edge a few lookups past its share, never fewer.
final class EdgeShare: Sendable {
    /// The interval number (top 24 bits) and the lookups given in it (low 40 bits).
    private let state = Atomic<UInt64>(0)

    private static let countBits: UInt64 = 40
    private static let countMask: UInt64 = (1 << countBits) - 1

    /// Takes one lookup if fewer than `capacity` were given in `interval`; false when spent.
    func take(capacity: Int, interval: UInt64) -> Bool {
        let tag = interval & ((1 << (64 - Self.countBits)) - 1)
        let current = state.load(ordering: .relaxed)
        let given = current >> Self.countBits == tag ? Int(current & Self.countMask) : 0
        guard given < capacity else { return false }
        if given == 0 {
            // The first of an interval starts the count; a worker that lost the race counts on.
            if !state.compareExchange(expected: current, desired: tag << Self.countBits | 1, ordering: .relaxed).exchanged {
                state.wrappingAdd(1, ordering: .relaxed)
            }
        } else {
            state.wrappingAdd(1, ordering: .relaxed)
        }
        return true
    }
}
