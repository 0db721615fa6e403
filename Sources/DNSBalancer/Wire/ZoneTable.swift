/// One immutable view of the zone: every name Augur answers, with its prebuilt answers and
/// the counters a lookup bumps. A pool change builds a new table and publishes it whole,
/// so a query sees either the old pools or the new ones, never half of a change.
final class ZoneTable: Sendable {
    /// What a name is in the zone.
    enum Kind: Sendable {
        case apex
        case nameserver
        /// `<content>.<zone>` or `<content>.<flavor>.<zone>`.
        case content
        /// `<flavor>.<zone>`: exists only because names below it do (RFC 8020).
        case emptyNonTerminal
    }

    /// A name of the zone and how to answer it.
    final class Entry: Sendable {
        let wire: [UInt8]
        let kind: Kind
        let counters: [CounterCell]
        let a: AddressAnswer?
        let aaaa: AddressAnswer?

        init(wire: [UInt8], kind: Kind, counters: [CounterCell], a: AddressAnswer?, aaaa: AddressAnswer?) {
            self.wire = wire
            self.kind = kind
            self.counters = counters
            self.a = a
            self.aaaa = aaaa
        }
    }

    enum Lookup {
        case found(Entry)
        case unknownInZone
        case outsideZone
    }

    let settings: ZoneSettings
    let serial: UInt32
    let soa: LDNSRecord
    let nameservers: [LDNSRecord]
    let glue: [LDNSRecord]
    /// The pools this table was built from, by content, so the next build can reuse entries.
    let pools: [String: ContentPools]
    private let zoneWire: [UInt8]
    private let buckets: [UInt64: [Entry]]
    private let contentEntries: [String: [Entry]]

    /// Builds the table for `pools`; entries of contents whose pools did not change are
    /// taken from `previous` instead of being rendered again.
    init(settings: ZoneSettings, pools list: [ContentPools], counters: DemandCounters, serial: UInt32, previous: ZoneTable?) throws(LDNSError) {
        self.settings = settings
        self.serial = serial
        let zone = try LDNSName(settings.zone)
        zoneWire = Self.lowercased(zone.wire)
        let nsNames = settings.nameservers.map { "\($0.label).\(settings.zone)" }
        let primary = nsNames.first ?? settings.zone
        soa = try LDNSRecord(presentation: "\(settings.zone) \(settings.ttl) IN SOA \(primary) hostmaster.\(settings.zone) \(serial) 3600 600 86400 \(settings.ttl)")
        nameservers = try nsNames.map { name throws(LDNSError) in try LDNSRecord(presentation: "\(settings.zone) 3600 IN NS \(name)") }

        var entries: [Entry] = [Entry(wire: zoneWire, kind: .apex, counters: [], a: nil, aaaa: nil)]
        var glue: [LDNSRecord] = []
        for server in settings.nameservers {
            let name = try LDNSName("\(server.label).\(settings.zone)")
            let record = try LDNSRecord(owner: name, ttl: 3600, address: server.address)
            glue.append(record)
            entries.append(try Self.addressEntry(name: name, kind: .nameserver, counters: [], addresses: [server.address], settings: settings))
        }
        self.glue = glue

        var byContent: [String: ContentPools] = [:]
        var contentEntries: [String: [Entry]] = [:]
        var flavorNames: Set<String> = []
        for content in list {
            byContent[content.content] = content
            flavorNames.formUnion(content.flavors.map(\.flavor))
            if let reused = previous?.contentEntries[content.content], previous?.pools[content.content] == content {
                contentEntries[content.content] = reused
                continue
            }
            let name = try LDNSName("\(content.content).\(settings.zone)")
            var built = [try Self.addressEntry(name: name, kind: .content, counters: counters.cells(content: content.content, flavor: nil), addresses: content.allAddresses, settings: settings)]
            for flavor in content.flavors {
                let flavorName = try LDNSName("\(content.content).\(flavor.flavor).\(settings.zone)")
                built.append(try Self.addressEntry(name: flavorName, kind: .content, counters: counters.cells(content: content.content, flavor: flavor.flavor), addresses: flavor.addresses, settings: settings))
            }
            contentEntries[content.content] = built
        }
        for flavor in flavorNames.sorted() where byContent[flavor] == nil {
            entries.append(Entry(wire: Self.lowercased(try LDNSName("\(flavor).\(settings.zone)").wire), kind: .emptyNonTerminal, counters: [], a: nil, aaaa: nil))
        }
        entries += contentEntries.values.flatMap { $0 }
        pools = byContent
        self.contentEntries = contentEntries
        buckets = Dictionary(grouping: entries) { Self.hash($0.wire) }
    }

    /// Finds `name` (raw wire bytes, any letter case, uncompressed).
    func lookup(_ name: UnsafeRawBufferPointer) -> Lookup {
        if let candidates = buckets[Self.hash(name)] {
            for entry in candidates where Self.equalIgnoringCase(entry.wire, name) {
                return .found(entry)
            }
        }
        return isInZone(name) ? .unknownInZone : .outsideZone
    }

    private func isInZone(_ name: UnsafeRawBufferPointer) -> Bool {
        // Walk the labels: the zone must be a whole-label suffix of the name.
        var position = 0
        while position < name.count {
            if name.count - position == zoneWire.count {
                return Self.equalIgnoringCase(zoneWire, UnsafeRawBufferPointer(rebasing: name[position...]))
            }
            let label = Int(name[position])
            if label == 0 { return false }
            position += label + 1
        }
        return false
    }

    private static func addressEntry(name: LDNSName, kind: Kind, counters: [CounterCell], addresses: [[UInt8]], settings: ZoneSettings) throws(LDNSError) -> Entry {
        let v4 = addresses.filter { $0.count == 4 }
        let v6 = addresses.filter { $0.count == 16 }
        return Entry(
            wire: lowercased(name.wire),
            kind: kind,
            counters: counters,
            a: v4.isEmpty ? nil : try AddressAnswer(name: name, type: DNSNumbers.typeA, addresses: v4, settings: settings),
            aaaa: v6.isEmpty ? nil : try AddressAnswer(name: name, type: DNSNumbers.typeAAAA, addresses: v6, settings: settings)
        )
    }

    private static func lowercased(_ bytes: [UInt8]) -> [UInt8] {
        bytes.map(asciiLower)
    }

    @inline(__always)
    private static func asciiLower(_ byte: UInt8) -> UInt8 {
        (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
    }

    /// FNV-1a over the lower-cased bytes: the same for any letter case, no allocation.
    private static func hash<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> UInt64 {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            value = (value ^ UInt64(asciiLower(byte))) &* 0x0000_0100_0000_01B3
        }
        return value
    }

    private static func equalIgnoringCase(_ lower: [UInt8], _ other: UnsafeRawBufferPointer) -> Bool {
        guard lower.count == other.count else { return false }
        for index in 0..<lower.count where lower[index] != asciiLower(other[index]) {
            return false
        }
        return true
    }
}
