import Synchronization

/// The A and AAAA answers of one name (nil: it has no address of that family).
struct NameAnswers: Sendable {
    var a: AddressAnswer?
    var aaaa: AddressAnswer?
}

/// One region's answers for one name: tiers nearest first, each holding the addresses on
/// the region's edges so far (an edge without any is left out), the core's in the last.
/// A lookup takes the first tier whose newest edge has its share left in the interval.
struct RegionalAnswer: Sendable {
    struct Tier: Sendable {
        let answers: NameAnswers
        /// The newest edge's share (nil: the core's tier, never spent).
        let share: EdgeShare?
        let capacity: Int
    }

    let tiers: [Tier]

    /// The answer of `type` (A or AAAA) for a lookup in `interval`, counted against the edge
    /// that gives it; nil when the region has no address of that family.
    func answer(type: UInt16, interval: UInt64) -> AddressAnswer? {
        var last: AddressAnswer?
        for tier in tiers {
            guard let answer = type == DNSNumbers.typeA ? tier.answers.a : tier.answers.aaaa else { continue }
            guard let share = tier.share else { return answer }
            if share.take(capacity: tier.capacity, interval: interval) { return answer }
            last = answer
        }
        return last
    }
}

/// One content's pools and answers as they are now: immutable, replaced whole by a change.
final class ContentAnswers: Sendable {
    let pools: ContentPools
    /// Index 0: the content's own name (every flavor's addresses, flavors in order);
    /// index i + 1: the name of `pools.flavors[i]`. For a client in no region.
    let names: [NameAnswers]
    /// By name index, then by region.
    let regional: [[RegionalAnswer]]

    init(pools: ContentPools, names: [NameAnswers], regional: [[RegionalAnswer]]) {
        self.pools = pools
        self.names = names
        self.regional = regional
    }
}

/// Where one content's answers are published. A change builds that content's new answers,
/// stores them and moves the version, all under the slot's lock: it costs time in that
/// content's addresses, not in the zone's. Readers compare the version with the one they
/// cached (one atomic load, no lock) and take the lock only when it moved, so a query that
/// starts after a change returned sees it, and never half of it.
final class ContentSlot: Sendable {
    private struct State {
        var version: UInt64
        var answers: ContentAnswers
        /// Rendered templates, by name index, type and number of records: a count seen once
        /// is never rendered again.
        var templates: [TemplateKey: AnswerTemplate]
    }

    private struct TemplateKey: Hashable {
        var name: Int
        var type: UInt16
        var records: Int
    }

    let content: String
    private let settings: ZoneSettings
    /// Every region edge's share of this content's lookups, kept across changes.
    private let shares: [String: EdgeShare]
    private let version = Atomic<UInt64>(0)
    private let state: Mutex<State>

    init(pools: ContentPools, settings: ZoneSettings) throws(LDNSError) {
        content = pools.content
        self.settings = settings
        shares = Dictionary(settings.regions.flatMap(\.edges).map { ($0, EdgeShare()) }, uniquingKeysWith: { first, _ in first })
        var templates: [TemplateKey: AnswerTemplate] = [:]
        var names: [NameAnswers] = []
        var regional: [[RegionalAnswer]] = []
        let instances = Self.instancesByNode(pools, settings: settings)
        for index in 0...pools.flavors.count {
            let (everyone, byRegion) = try Self.answers(
                name: index, of: pools, instancesByNode: instances, content: pools.content, settings: settings, shares: shares, templates: &templates)
            names.append(everyone)
            regional.append(byRegion)
        }
        state = Mutex(State(version: 0, answers: ContentAnswers(pools: pools, names: names, regional: regional), templates: templates))
    }

    /// The version of the published answers; a reader compares it with its cached one per query.
    var publishedVersion: UInt64 { version.load(ordering: .acquiring) }

    /// The published answers and their version, for a reader's cache.
    func current() -> (version: UInt64, answers: ContentAnswers) {
        state.withLock { ($0.version, $0.answers) }
    }

    var pools: ContentPools { state.withLock { $0.answers.pools } }

    /// Makes every change (an unknown flavor is left out and returned), then publishes the
    /// content's new answers once, if anything changed. Addresses are checked by the caller.
    func apply(_ changes: [AddressChange]) -> [(change: AddressChange, error: DNSPoolError)] {
        state.withLock { state in
            var failures: [(change: AddressChange, error: DNSPoolError)] = []
            var pools = state.answers.pools
            var changed: Set<Int> = []
            for change in changes {
                guard let flavor = pools.flavors.firstIndex(where: { $0.flavor == change.flavor }) else {
                    failures.append((change, .unknownFlavor(content: change.content, flavor: change.flavor)))
                    continue
                }
                let before = pools.flavors[flavor].members.count
                if change.answered {
                    if !pools.flavors[flavor].members.contains(where: { $0.address == change.address }) {
                        pools.flavors[flavor].members.append(PoolMember(address: change.address, node: change.node))
                    }
                } else {
                    pools.flavors[flavor].members.removeAll { $0.address == change.address }
                }
                if pools.flavors[flavor].members.count != before { changed.insert(flavor + 1) }
            }
            guard !changed.isEmpty else { return failures }
            // An edge's capacity counts every flavor's instances there: with regions, every name changes.
            let names = settings.regions.isEmpty ? changed.union([0]) : Set(0...pools.flavors.count)
            do throws(LDNSError) {
                try rebuild(names, pools: pools, state: &state)
            } catch {
                return failures + changes.map { (change: $0, error: .ldns(error.description)) }
            }
            return failures
        }
    }

    /// Changes the lookups one instance serves in an interval (a region edge's share).
    func setLookupsPerInstance(_ lookups: Int) throws(LDNSError) {
        try state.withLock { (state) throws(LDNSError) in
            var pools = state.answers.pools
            guard pools.lookupsPerInstance != lookups else { return }
            pools.lookupsPerInstance = lookups
            try rebuild(Set(0...pools.flavors.count), pools: pools, state: &state)
        }
    }

    /// Builds the answers of `names` for `pools` and publishes them (nothing, if ldns cannot render one).
    private func rebuild(_ changed: Set<Int>, pools: ContentPools, state: inout State) throws(LDNSError) {
        var names = state.answers.names
        var regional = state.answers.regional
        let instances = Self.instancesByNode(pools, settings: settings)
        for name in changed {
            (names[name], regional[name]) = try Self.answers(
                name: name, of: pools, instancesByNode: instances, content: content, settings: settings, shares: shares, templates: &state.templates)
        }
        state.answers = ContentAnswers(pools: pools, names: names, regional: regional)
        state.version &+= 1
        version.store(state.version, ordering: .releasing)
    }

    /// Every flavor's instances of `pools` per node, which an edge's share counts (none without regions).
    private static func instancesByNode(_ pools: ContentPools, settings: ZoneSettings) -> [String: Int] {
        settings.regions.isEmpty ? [:] : Dictionary(grouping: pools.flavors.flatMap(\.members), by: \.node).mapValues(\.count)
    }

    /// The answers of name `index` (0: the content's, i + 1: flavor i's) for `pools`: for a
    /// client in no region, and for each region.
    private static func answers(
        name index: Int, of pools: ContentPools, instancesByNode: [String: Int], content: String, settings: ZoneSettings, shares: [String: EdgeShare],
        templates: inout [TemplateKey: AnswerTemplate]
    ) throws(LDNSError) -> (everyone: NameAnswers, regions: [RegionalAnswer]) {
        let members = index == 0 ? pools.flavors.flatMap(\.members) : pools.flavors[index - 1].members
        func answers(_ addresses: [[UInt8]]) throws(LDNSError) -> NameAnswers {
            try Self.answers(name: index, addresses: addresses, of: pools, content: content, settings: settings, templates: &templates)
        }
        let everyone = try answers(members.map(\.address))
        guard !settings.regions.isEmpty else { return (everyone, []) }
        let addressesByNode = Dictionary(grouping: members, by: \.node).mapValues { $0.map(\.address) }
        var regions: [RegionalAnswer] = []
        for region in settings.regions {
            var sofar: [[UInt8]] = []
            var tiers: [RegionalAnswer.Tier] = []
            for edge in region.edges {
                guard let mine = addressesByNode[edge] else { continue }
                sofar += mine
                let (capacity, overflow) = (instancesByNode[edge] ?? 0).multipliedReportingOverflow(by: pools.lookupsPerInstance)
                tiers.append(.init(answers: try answers(sofar), share: shares[edge], capacity: overflow ? .max : capacity))
            }
            if let core = settings.core, let mine = addressesByNode[core] {
                sofar += mine
                tiers.append(.init(answers: try answers(sofar), share: nil, capacity: .max))
            }
            regions.append(RegionalAnswer(tiers: tiers))
        }
        return (everyone, regions)
    }

    /// The A and AAAA answers of name `index` holding `addresses`.
    private static func answers(
        name index: Int, addresses: [[UInt8]], of pools: ContentPools, content: String, settings: ZoneSettings, templates: inout [TemplateKey: AnswerTemplate]
    ) throws(LDNSError) -> NameAnswers {
        func answer(_ type: UInt16, _ list: [[UInt8]]) throws(LDNSError) -> AddressAnswer? {
            guard !list.isEmpty else { return nil }
            let key = TemplateKey(name: index, type: type, records: min(list.count, settings.maxRecords))
            if let template = templates[key] { return AddressAnswer(template: template, addresses: list) }
            let owner = index == 0 ? "\(content).\(settings.zone)" : "\(content).\(pools.flavors[index - 1].flavor).\(settings.zone)"
            let template = try AnswerTemplate(name: try LDNSName(owner), type: type, records: key.records, settings: settings)
            templates[key] = template
            return AddressAnswer(template: template, addresses: list)
        }
        return NameAnswers(
            a: try answer(DNSNumbers.typeA, addresses.filter { $0.count == 4 }),
            aaaa: try answer(DNSNumbers.typeAAAA, addresses.filter { $0.count == 16 }))
    }
}
