import Synchronization

/// One lock-free counter; increments land in exactly one interval because draining swaps it
/// with zero. A content's total may watch a threshold (the lookup that takes the count past
/// it calls `crossed`, once per interval and threshold) and carries the content's hold gate.
final class CounterCell: Sendable {
    private let value = Atomic<Int>(0)
    private let threshold = Atomic<Int>(Int.max)
    private let crossed: (@Sendable () -> Void)?
    let gate: HoldGate?

    init(crossed: (@Sendable () -> Void)? = nil, gate: HoldGate? = nil) {
        self.crossed = crossed
        self.gate = gate
    }

    func bump() {
        let count = value.wrappingAdd(1, ordering: .relaxed).newValue
        if let crossed, count == threshold.load(ordering: .relaxed) &+ 1 { crossed() }
    }

    func drain() -> Int {
        value.exchange(0, ordering: .relaxed)
    }

    func read() -> Int {
        value.load(ordering: .relaxed)
    }

    func watch(above limit: Int) {
        threshold.store(limit, ordering: .relaxed)
    }
}

/// Lookups of one content in one interval: all of them, those that named a flavor, and
/// those of each region's clients (with regions; a client in none counts in the total only).
public struct ContentDemand: Sendable, Hashable {
    public var total: Int
    public var byFlavor: [String: Int]
    public var byRegion: [String: Int]

    public init(total: Int = 0, byFlavor: [String: Int] = [:], byRegion: [String: Int] = [:]) {
        self.total = total
        self.byFlavor = byFlavor
        self.byRegion = byRegion
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
        let total: CounterCell
        var flavors: [String: CounterCell] = [:]
        var regions: [String: CounterCell] = [:]
    }

    private let cells = Mutex<[String: ContentCells]>([:])
    let unknown = CounterCell()
    let limited = CounterCell()
    /// Every response sent, by response code (never drained).
    public let responses = ResponseCodeCounters()
    /// The unknown names in the zone most asked for (never drained).
    public let unknownNames = UnknownNames()
    /// Counts the drains: the interval the lookups now land in (an edge's spent share resets with it).
    private let drains = Atomic<UInt64>(0)
    private let crossing: AsyncStream<String>.Continuation
    /// Contents whose lookups in the interval just passed their watched threshold (`watch`).
    public let crossings: AsyncStream<String>

    public init() {
        (crossings, crossing) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(256))
    }

    /// Per content, the lookups in an interval past which `crossings` names it.
    public func watch(_ thresholds: [String: Int]) {
        cells.withLock { table in
            for (content, limit) in thresholds {
                let entry = table[content] ?? makeCells(content)
                table[content] = entry
                entry.total.watch(above: limit)
            }
        }
    }

    /// The hold gate of `content` (made on first use, kept for the content's lifetime).
    public func gate(_ content: String) -> HoldGate? {
        cells.withLock { table in
            let entry = table[content] ?? makeCells(content)
            table[content] = entry
            return entry.total.gate
        }
    }

    /// The hold gate of `content` for the clients of `region` (made on first use). Once the
    /// loop has set it, DNS holds the region's clients by it and their region's count.
    public func gate(_ content: String, region: String) -> HoldGate {
        regionCells(content: content, regions: [region])[0].gate ?? HoldGate()
    }

    /// Every content's lookups so far in the open interval, without draining them.
    public func peek() -> [String: Int] {
        cells.withLock { table in table.mapValues { $0.total.read() } }
    }

    /// Per content, the lookups so far in the open interval of each region's clients, without draining them.
    public func peekByRegion() -> [String: [String: Int]] {
        cells.withLock { table in
            table.compactMapValues { entry in entry.regions.isEmpty ? nil : entry.regions.mapValues { $0.read() } }
        }
    }

    private func makeCells(_ content: String) -> ContentCells {
        let crossing = crossing
        return ContentCells(total: CounterCell(crossed: { crossing.yield(content) }, gate: HoldGate()))
    }

    /// The cells a query for `content` (and `flavor`, if it named one) bumps, created on first use.
    func cells(content: String, flavor: String?) -> [CounterCell] {
        cells.withLock { table in
            var entry = table[content] ?? makeCells(content)
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

    /// The open interval's number (how many drains there were).
    var interval: UInt64 { drains.load(ordering: .relaxed) }

    /// The cells a query of `content` from each of `regions` bumps (in that order), created on first use.
    func regionCells(content: String, regions: [String]) -> [CounterCell] {
        cells.withLock { table in
            var entry = table[content] ?? makeCells(content)
            let out = regions.map { region in
                let cell = entry.regions[region] ?? CounterCell(gate: HoldGate())
                entry.regions[region] = cell
                return cell
            }
            table[content] = entry
            return out
        }
    }

    /// Takes every count since the last drain and resets it.
    public func drain() -> DemandCounts {
        cells.withLock { table in
            drains.wrappingAdd(1, ordering: .relaxed)
            var counts = DemandCounts()
            for (content, entry) in table {
                var demand = ContentDemand(total: entry.total.drain())
                for (flavor, cell) in entry.flavors {
                    demand.byFlavor[flavor] = cell.drain()
                }
                for (region, cell) in entry.regions {
                    demand.byRegion[region] = cell.drain()
                }
                counts.contents[content] = demand
            }
            counts.unknown = unknown.drain()
            counts.limited = limited.drain()
            return counts
        }
    }
}
