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

/// One address to answer, or to stop answering, for a content's flavor.
public struct AddressChange: Sendable, Hashable {
    public var address: [UInt8]
    public var content: String
    public var flavor: String
    /// True: start answering it; false: stop.
    public var answered: Bool

    public init(address: [UInt8], content: String, flavor: String, answered: Bool) {
        self.address = address
        self.content = content
        self.flavor = flavor
        self.answered = answered
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
        if let failure = apply([AddressChange(address: address, content: content, flavor: flavor, answered: true)]).first { throw failure.error }
    }

    /// Stops answering `address` for `content` with `flavor` (no-op if not answered).
    public func remove(_ address: [UInt8], content: String, flavor: String) throws(DNSPoolError) {
        if let failure = apply([AddressChange(address: address, content: content, flavor: flavor, answered: false)]).first { throw failure.error }
    }

    /// Makes every change, then publishes one table: a batch costs one rebuild, however many
    /// addresses it moves. A change naming an unknown content or flavor, or a bad address, is
    /// left out and returned with why; the others are made.
    @discardableResult
    public func apply(_ changes: [AddressChange]) -> [(change: AddressChange, error: DNSPoolError)] {
        var failures: [(change: AddressChange, error: DNSPoolError)] = []
        state.withLock { state in
            var pools = state.pools
            let index = Dictionary(uniqueKeysWithValues: pools.enumerated().map { ($1.content, $0) })
            for change in changes {
                guard change.address.count == 4 || change.address.count == 16 else {
                    failures.append((change, .badAddress(count: change.address.count)))
                    continue
                }
                guard let contentIndex = index[change.content] else {
                    failures.append((change, .unknownContent(change.content)))
                    continue
                }
                guard let flavorIndex = pools[contentIndex].flavors.firstIndex(where: { $0.flavor == change.flavor }) else {
                    failures.append((change, .unknownFlavor(content: change.content, flavor: change.flavor)))
                    continue
                }
                var addresses = pools[contentIndex].flavors[flavorIndex].addresses
                if change.answered {
                    if !addresses.contains(change.address) { addresses.append(change.address) }
                } else {
                    addresses.removeAll { $0 == change.address }
                }
                pools[contentIndex].flavors[flavorIndex].addresses = addresses
            }
            guard pools != state.pools else { return }
            do throws(DNSPoolError) {
                state.table = try Self.build(settings, pools, counters, serial: state.table.serial &+ 1, previous: state.table)
            } catch {
                failures += changes.map { (change: $0, error: error) }
                return
            }
            state.pools = pools
            version.wrappingAdd(1, ordering: .releasing)
        }
        return failures
    }

    /// The table and its version, for a worker's cache.
    func current() -> (version: UInt64, table: ZoneTable) {
        state.withLock { (version.load(ordering: .acquiring), $0.table) }
    }

    /// The version of the published table; a worker compares it with its cached one per query.
    var publishedVersion: UInt64 {
        version.load(ordering: .acquiring)
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
