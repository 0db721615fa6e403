/// Every name Augur answers, with how to answer it and the counters a lookup bumps. The
/// names are fixed for the server's life (the catalog's contents and flavors), so the table
/// is built once; a content's addresses live in its `ContentSlot`, which a pool change
/// replaces on its own.
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
        /// A content name's lookups by the client's region (index: the region's).
        let regionCounters: [CounterCell]
        /// A name server's own address, which never changes.
        let fixed: NameAnswers?
        /// A content name's slot (an index into `DNSPools.slots`) and which of its names it is
        /// (0: the content's, i + 1: flavor i's).
        let slot: Int
        let name: Int

        init(
            wire: [UInt8], kind: Kind, counters: [CounterCell] = [], regionCounters: [CounterCell] = [], fixed: NameAnswers? = nil, slot: Int = -1, name: Int = 0
        ) {
            self.wire = wire
            self.kind = kind
            self.counters = counters
            self.regionCounters = regionCounters
            self.fixed = fixed
            self.slot = slot
            self.name = name
        }
    }

    enum Lookup {
        case found(Entry)
        case unknownInZone
        case outsideZone
    }

    let settings: ZoneSettings
    let nameservers: [LDNSRecord]
    let glue: [LDNSRecord]
    private let zoneWire: [UInt8]
    private let buckets: [UInt64: [Entry]]

    /// The names of `contents` (slot i is `contents[i]`), the apex and the name servers.
    init(settings: ZoneSettings, contents: [ContentPools], counters: DemandCounters) throws(LDNSError) {
        self.settings = settings
        let zone = try LDNSName(settings.zone)
        zoneWire = Self.lowercased(zone.wire)
        let nsNames = settings.nameservers.map { "\($0.label).\(settings.zone)" }
        nameservers = try nsNames.map { name throws(LDNSError) in try LDNSRecord(presentation: "\(settings.zone) 3600 IN NS \(name)") }

        var entries: [Entry] = [Entry(wire: zoneWire, kind: .apex)]
        var glue: [LDNSRecord] = []
        for server in settings.nameservers {
            let name = try LDNSName("\(server.label).\(settings.zone)")
            glue.append(try LDNSRecord(owner: name, ttl: 3600, address: server.address))
            let type = server.address.count == 16 ? DNSNumbers.typeAAAA : DNSNumbers.typeA
            let answer = AddressAnswer(template: try AnswerTemplate(name: name, type: type, records: 1, settings: settings), addresses: [server.address])
            entries.append(Entry(wire: Self.lowercased(name.wire), kind: .nameserver, fixed: type == DNSNumbers.typeA ? NameAnswers(a: answer) : NameAnswers(aaaa: answer)))
        }
        self.glue = glue

        var flavorNames: Set<String> = []
        let contentNames = Set(contents.map(\.content))
        let regionNames = settings.regions.map(\.name)
        for (slot, content) in contents.enumerated() {
            flavorNames.formUnion(content.flavors.map(\.flavor))
            let byRegion = regionNames.isEmpty ? [] : counters.regionCells(content: content.content, regions: regionNames)
            let name = try LDNSName("\(content.content).\(settings.zone)")
            entries.append(Entry(
                wire: Self.lowercased(name.wire), kind: .content, counters: counters.cells(content: content.content, flavor: nil), regionCounters: byRegion, slot: slot))
            for (index, flavor) in content.flavors.enumerated() {
                let flavorName = try LDNSName("\(content.content).\(flavor.flavor).\(settings.zone)")
                entries.append(Entry(
                    wire: Self.lowercased(flavorName.wire), kind: .content, counters: counters.cells(content: content.content, flavor: flavor.flavor),
                    regionCounters: byRegion, slot: slot, name: index + 1))
            }
        }
        for flavor in flavorNames.sorted() where !contentNames.contains(flavor) {
            entries.append(Entry(wire: Self.lowercased(try LDNSName("\(flavor).\(settings.zone)").wire), kind: .emptyNonTerminal))
        }
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
