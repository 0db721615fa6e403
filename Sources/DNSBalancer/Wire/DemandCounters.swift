import Synchronization

/// One lock-free counter; increments land in exactly one interval because draining swaps it with zero.
final class CounterCell: Sendable {
    private let value = Atomic<Int>(0)

    func bump() {
        value.wrappingAdd(1, ordering: .relaxed)
    }

    func drain() -> Int {
        value.exchange(0, ordering: .relaxed)
    }
}

/// Lookups of one content in one interval: all of them, and those that named a flavor.
public struct ContentDemand: Sendable, Hashable {
    public var total: Int
    public var byFlavor: [String: Int]

    public init(total: Int = 0, byFlavor: [String: Int] = [:]) {
        self.total = total
        self.byFlavor = byFlavor
    }
}

/// What one drain of the counters saw: every known content (zeros included, since the
/// predictors need them), the lookups of names in the zone that are not content, and the
/// queries response rate limiting held back (not counted as demand).
public struct DemandCounts: Sendable, Hashable {
    public var contents: [String: ContentDemand]
    public var unknown: Int
    public var limited: Int

    public init(contents: [String: ContentDemand] = [:], unknown: Int = 0, limited: Int = 0) {
        self.contents = contents
        self.unknown = unknown
        self.limited = limited
    }

    public var total: Int { contents.values.reduce(0) { $0 + $1.total } }
}

/// The per-content, per-flavor lookup counters the DNS workers bump on every query.
/// Cells live as long as their content, so pool changes never lose a count.
public final class DemandCounters: Sendable {
    private struct ContentCells {
        let total = CounterCell()
        var flavors: [String: CounterCell] = [:]
    }

    private let cells = Mutex<[String: ContentCells]>([:])
    let unknown = CounterCell()
    let limited = CounterCell()

    public init() {}

    /// The cells a query for `content` (and `flavor`, if it named one) bumps, created on first use.
    func cells(content: String, flavor: String?) -> [CounterCell] {
        cells.withLock { table in
            var entry = table[content] ?? ContentCells()
            var out = [entry.total]
            if let flavor {
                let cell = entry.flavors[flavor] ?? CounterCell()
                entry.flavors[flavor] = cell
                out.append(cell)
            }
            table[content] = entry
            return out
        }
    }

    /// Takes every count since the last drain and resets it.
    public func drain() -> DemandCounts {
        cells.withLock { table in
            var counts = DemandCounts()
            for (content, entry) in table {
                var demand = ContentDemand(total: entry.total.drain())
                for (flavor, cell) in entry.flavors {
                    demand.byFlavor[flavor] = cell.drain()
                }
                counts.contents[content] = demand
            }
            counts.unknown = unknown.drain()
            counts.limited = limited.drain()
            return counts
        }
    }
}
