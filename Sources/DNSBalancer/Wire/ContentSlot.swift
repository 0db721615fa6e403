import Synchronization

/// The A and AAAA answers of one name (nil: it has no address of that family).
struct NameAnswers: Sendable {
    var a: AddressAnswer?
    var aaaa: AddressAnswer?
}

/// One content's pools and answers as they are now: immutable, replaced whole by a change.
final class ContentAnswers: Sendable {
    let pools: ContentPools
    /// Index 0: the content's own name (every flavor's addresses, flavors in order);
    /// index i + 1: the name of `pools.flavors[i]`.
    let names: [NameAnswers]

    init(pools: ContentPools, names: [NameAnswers]) {
        self.pools = pools
        self.names = names
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
    private let version = Atomic<UInt64>(0)
    private let state: Mutex<State>

    init(pools: ContentPools, settings: ZoneSettings) throws(LDNSError) {
        content = pools.content
        self.settings = settings
        var templates: [TemplateKey: AnswerTemplate] = [:]
        var names: [NameAnswers] = []
        for index in 0...pools.flavors.count {
            names.append(try Self.answers(name: index, of: pools, content: pools.content, settings: settings, templates: &templates))
        }
        state = Mutex(State(version: 0, answers: ContentAnswers(pools: pools, names: names), templates: templates))
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
                let before = pools.flavors[flavor].addresses.count
                if change.answered {
                    if !pools.flavors[flavor].addresses.contains(change.address) { pools.flavors[flavor].addresses.append(change.address) }
                } else {
                    pools.flavors[flavor].addresses.removeAll { $0 == change.address }
                }
                if pools.flavors[flavor].addresses.count != before { changed.insert(flavor + 1) }
            }
            guard !changed.isEmpty else { return failures }
            var names = state.answers.names
            do throws(LDNSError) {
                for name in changed.union([0]) {
                    names[name] = try Self.answers(name: name, of: pools, content: content, settings: settings, templates: &state.templates)
                }
            } catch {
                return failures + changes.map { (change: $0, error: .ldns(error.description)) }
            }
            state.answers = ContentAnswers(pools: pools, names: names)
            state.version &+= 1
            version.store(state.version, ordering: .releasing)
            return failures
        }
    }

    /// The answers of name `index` (0: the content's, i + 1: flavor i's) for `pools`.
    private static func answers(
        name index: Int, of pools: ContentPools, content: String, settings: ZoneSettings, templates: inout [TemplateKey: AnswerTemplate]
    ) throws(LDNSError) -> NameAnswers {
        let addresses = index == 0 ? pools.allAddresses : pools.flavors[index - 1].addresses
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
