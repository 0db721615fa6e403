import Synchronization

/// Why a pool change was refused.
public enum DNSPoolError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownContent(String)
    case unknownFlavor(content: String, flavor: String)
    case badAddress(count: Int)
    case duplicateContent(String)
    case ldns(String)
    case badRegions(String)

    public var description: String {
        switch self {
        case .unknownContent(let content): return "unknown content '\(content)'"
        case .unknownFlavor(let content, let flavor): return "content '\(content)' has no flavor '\(flavor)'"
        case .badAddress(let count): return "an address is 4 (IPv4) or 16 (IPv6) bytes, not \(count)"
        case .duplicateContent(let content): return "content '\(content)' is listed twice"
        case .ldns(let reason): return "ldns could not render the zone: \(reason)"
        case .badRegions(let reason): return "the regions cannot be looked up: \(reason)"
        }
    }
}

/// One address to answer, or to stop answering, for a content's flavor, on a node.
public struct AddressChange: Sendable, Hashable {
    public var address: [UInt8]
    public var content: String
    public var flavor: String
    /// Where the instance runs (a region answers its own edges first).
    public var node: String
    /// True: start answering it; false: stop.
    public var answered: Bool

    public init(address: [UInt8], content: String, flavor: String, node: String = "", answered: Bool) {
        self.address = address
        self.content = content
        self.flavor = flavor
        self.node = node
        self.answered = answered
    }
}

/// Which addresses the balancer answers for each content and flavor. The orchestrator is
/// its writer; DNS workers read it on every query. The zone's names are fixed (`ZoneTable`);
/// each content's answers are published in its own `ContentSlot`, so a change costs time in
/// that content's addresses, not in the zone's. A change returns only once it is published,
/// so no query that starts after `remove` returns sees the old address.
public final class DNSPools: Sendable {
    public let settings: ZoneSettings
    public let counters: DemandCounters
    let table: ZoneTable
    let slots: [ContentSlot]
    /// Where each client is (empty without regions).
    let regions: RegionMap
    private let slotIndex: [String: Int]
    /// The SOA with the zone's serial, which moves with every published change.
    private let soa: Mutex<(version: UInt64, record: LDNSRecord)>
    private let soaVersion = Atomic<UInt64>(0)

    public init(settings: ZoneSettings, contents: [ContentPools], counters: DemandCounters = DemandCounters()) throws(DNSPoolError) {
        var seen: Set<String> = []
        for content in contents where !seen.insert(content.content).inserted {
            throw DNSPoolError.duplicateContent(content.content)
        }
        try Self.checkAddresses(contents)
        guard let regions = RegionMap(regions: settings.regions, defaultRegion: settings.defaultRegion) else {
            throw DNSPoolError.badRegions("a client network is not a prefix of its family, stands twice, or the default region is not a region")
        }
        self.regions = regions
        self.settings = settings
        self.counters = counters
        do {
            table = try ZoneTable(settings: settings, contents: contents, counters: counters)
            slots = try contents.map { pools throws(LDNSError) in try ContentSlot(pools: pools, settings: settings) }
            soa = Mutex((0, try Self.soa(settings, serial: 1)))
        } catch {
            throw DNSPoolError.ldns(error.description)
        }
        slotIndex = Dictionary(uniqueKeysWithValues: contents.enumerated().map { ($1.content, $0) })
    }

    /// The pools as they are now (every content: time in the zone's size).
    public var contents: [ContentPools] {
        slots.map(\.pools)
    }

    /// One content's pools as they are now (nil: not a content of the zone).
    public func pools(of content: String) -> ContentPools? {
        slotIndex[content].map { slots[$0].pools }
    }

    /// Starts answering `address` for `content` with `flavor` (no-op if already answered).
    public func add(_ address: [UInt8], content: String, flavor: String) throws(DNSPoolError) {
        if let failure = apply([AddressChange(address: address, content: content, flavor: flavor, answered: true)]).first { throw failure.error }
    }

    /// Stops answering `address` for `content` with `flavor` (no-op if not answered).
    public func remove(_ address: [UInt8], content: String, flavor: String) throws(DNSPoolError) {
        if let failure = apply([AddressChange(address: address, content: content, flavor: flavor, answered: false)]).first { throw failure.error }
    }

    /// Makes every change; each content's changes are published together, once. A change
    /// naming an unknown content or flavor, or a bad address, is left out and returned with
    /// why; the others are made.
    @discardableResult
    public func apply(_ changes: [AddressChange]) -> [(change: AddressChange, error: DNSPoolError)] {
        var failures: [(change: AddressChange, error: DNSPoolError)] = []
        var bySlot: [Int: [AddressChange]] = [:]
        var order: [Int] = []
        for change in changes {
            guard change.address.count == 4 || change.address.count == 16 else {
                failures.append((change, .badAddress(count: change.address.count)))
                continue
            }
            guard let slot = slotIndex[change.content] else {
                failures.append((change, .unknownContent(change.content)))
                continue
            }
            if bySlot[slot] == nil { order.append(slot) }
            bySlot[slot, default: []].append(change)
        }
        var published = false
        for slot in order {
            let before = slots[slot].publishedVersion
            failures += slots[slot].apply(bySlot[slot] ?? [])
            published = published || slots[slot].publishedVersion != before
        }
        if published { moveSerial() }
        return failures
    }

    /// Sets the lookups one instance of `content` serves in an interval, which a region's
    /// edge gives before the next one joins.
    public func setLookupsPerInstance(_ lookups: Int, content: String) throws(DNSPoolError) {
        guard let slot = slotIndex[content] else { throw .unknownContent(content) }
        do {
            try slots[slot].setLookupsPerInstance(lookups)
        } catch {
            throw .ldns(error.description)
        }
    }

    /// The SOA and its version, for a worker's cache.
    func currentSOA() -> (version: UInt64, record: LDNSRecord) {
        soa.withLock { $0 }
    }

    /// The version of the published SOA; a worker compares it with its cached one when it answers with the SOA.
    var publishedSOAVersion: UInt64 {
        soaVersion.load(ordering: .acquiring)
    }

    private func moveSerial() {
        soa.withLock { current in
            let version = current.version &+ 1
            // A serial that cannot render keeps the last one: the addresses are published already.
            guard let record = try? Self.soa(settings, serial: UInt32(truncatingIfNeeded: version &+ 1)) else { return }
            current = (version, record)
            soaVersion.store(version, ordering: .releasing)
        }
    }

    private static func soa(_ settings: ZoneSettings, serial: UInt32) throws(LDNSError) -> LDNSRecord {
        let primary = settings.nameservers.first.map { "\($0.label).\(settings.zone)" } ?? settings.zone
        return try LDNSRecord(presentation: "\(settings.zone) \(settings.ttl) IN SOA \(primary) hostmaster.\(settings.zone) \(serial) 3600 600 86400 \(settings.ttl)")
    }

    private static func checkAddresses(_ contents: [ContentPools]) throws(DNSPoolError) {
        for address in contents.flatMap(\.allAddresses) where address.count != 4 && address.count != 16 {
            throw DNSPoolError.badAddress(count: address.count)
        }
    }
}
