import Synchronization

/// Why a pool change was refused.
public enum DNSPoolError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownContent(String)
    case unknownFlavor(content: String, flavor: String)
    case badAddress(count: Int)
    case duplicateContent(String)
    case ldns(String)

    public var description: String {
        switch self {
        case .unknownContent(let content): return "unknown content '\(content)'"
        case .unknownFlavor(let content, let flavor): return "content '\(content)' has no flavor '\(flavor)'"
        case .badAddress(let count): return "an address is 4 (IPv4) or 16 (IPv6) bytes, not \(count)"
        case .duplicateContent(let content): return "content '\(content)' is listed twice"
        case .ldns(let reason): return "ldns could not render the zone: \(reason)"
        }
    }
}

/// Which addresses the balancer answers for each content and flavor. The orchestrator is
/// its single writer; DNS workers read it on every query. A change returns only once the new
/// table is published, so no query that starts after `remove` returns sees the old address.
public final class DNSPools: Sendable {
    private struct State {
        var table: ZoneTable
        var pools: [ContentPools]
    }

    private let state: Mutex<State>
    private let version = Atomic<UInt64>(0)
    public let settings: ZoneSettings
    public let counters: DemandCounters

    public init(settings: ZoneSettings, contents: [ContentPools], counters: DemandCounters = DemandCounters()) throws(DNSPoolError) {
        var seen: Set<String> = []
        for content in contents where !seen.insert(content.content).inserted {
            throw DNSPoolError.duplicateContent(content.content)
        }
        try Self.checkAddresses(contents)
        self.settings = settings
        self.counters = counters
        state = Mutex(State(table: try Self.build(settings, contents, counters, serial: 1, previous: nil), pools: contents))
    }

    /// The pools as they are now.
    public var contents: [ContentPools] {
        state.withLock { $0.pools }
    }

    /// Starts answering `address` for `content` with `flavor` (no-op if already answered).
    public func add(_ address: [UInt8], content: String, flavor: String) throws(DNSPoolError) {
        try change(content: content, flavor: flavor, address: address) { addresses in
            if !addresses.contains(address) { addresses.append(address) }
        }
    }

    /// Stops answering `address` for `content` with `flavor` (no-op if not answered).
    public func remove(_ address: [UInt8], content: String, flavor: String) throws(DNSPoolError) {
        try change(content: content, flavor: flavor, address: address) { addresses in
            addresses.removeAll { $0 == address }
        }
    }

    /// The table and its version, for a worker's cache.
    func current() -> (version: UInt64, table: ZoneTable) {
        state.withLock { (version.load(ordering: .acquiring), $0.table) }
    }

    /// The version of the published table; a worker compares it with its cached one per query.
    var publishedVersion: UInt64 {
        version.load(ordering: .acquiring)
    }

    private func change(content: String, flavor: String, address: [UInt8], _ edit: (inout [[UInt8]]) -> Void) throws(DNSPoolError) {
        guard address.count == 4 || address.count == 16 else { throw DNSPoolError.badAddress(count: address.count) }
        try state.withLock { (state: inout State) throws(DNSPoolError) in
            guard let contentIndex = state.pools.firstIndex(where: { $0.content == content }) else {
                throw DNSPoolError.unknownContent(content)
            }
            guard let flavorIndex = state.pools[contentIndex].flavors.firstIndex(where: { $0.flavor == flavor }) else {
                throw DNSPoolError.unknownFlavor(content: content, flavor: flavor)
            }
            var pools = state.pools
            edit(&pools[contentIndex].flavors[flavorIndex].addresses)
            guard pools != state.pools else { return }
            state.table = try Self.build(settings, pools, counters, serial: state.table.serial &+ 1, previous: state.table)
            state.pools = pools
            version.wrappingAdd(1, ordering: .releasing)
        }
    }

    private static func checkAddresses(_ contents: [ContentPools]) throws(DNSPoolError) {
        for address in contents.flatMap(\.allAddresses) where address.count != 4 && address.count != 16 {
            throw DNSPoolError.badAddress(count: address.count)
        }
    }

    private static func build(_ settings: ZoneSettings, _ pools: [ContentPools], _ counters: DemandCounters, serial: UInt32, previous: ZoneTable?) throws(DNSPoolError) -> ZoneTable {
        do {
            return try ZoneTable(settings: settings, pools: pools, counters: counters, serial: serial, previous: previous)
        } catch {
            throw DNSPoolError.ldns(error.description)
        }
    }
}
