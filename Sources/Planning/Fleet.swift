import EdgeWire
import Foundation

/// A change the DNS pools must make so that they answer exactly the instances that serve.
public enum PoolChange: Sendable, Hashable {
    case add(instance: String, content: String, flavor: String, address: String, edge: String)
    case remove(instance: String, content: String, flavor: String, address: String)
}

/// What the orchestrator knows of every instance on the edges, and which of them DNS answers.
/// The edges are the truth: each report replaces what was known. The one rule lives here:
/// an address is answered exactly when its instance is ready, is not being removed, and its
/// edge answers. Every change returns the pool changes that keep that true. Pure.
public struct Fleet: Sendable {
    /// One instance as last reported, and what the orchestrator does with it.
    public struct Member: Sendable, Hashable {
        public var instance: EdgeInstance
        /// DNS answers its address.
        public var answered = false
        /// The orchestrator decided to remove it (its address left DNS first).
        public var removing = false
        /// The fleet's `generation` when this member was last observed.
        public var observedAt: UInt64 = 0
    }

    public private(set) var members: [String: Member] = [:]
    public private(set) var unreachable: Set<String> = []
    /// Images each edge has (made local for an instance once), as "flavor/content".
    public private(set) var cachedImages: [String: Set<String>] = [:]
    /// The latest measured pull-less time to ready per flavor, seconds.
    public private(set) var measuredBoot: [String: Double] = [:]
    /// Per edge, the runtimes its operator runs for real (not emulated), as it last said.
    public private(set) var realRuntimes: [String: Set<String>] = [:]
    /// What each edge's operator last said of its node (runtimes, CPU and memory), by edge.
    public private(set) var nodes: [String: NodeState] = [:]
    /// Counts observations: an edge's list, requested at one generation, says nothing of a
    /// member observed after it (a job's newer answer came in while the list was on its way).
    public private(set) var generation: UInt64 = 0
    /// How many instances DNS answers, per content.
    public private(set) var answeredByContent: [String: Int] = [:]
    /// Instances that ended (gone or failed), with their edge and the generation they ended
    /// at: a list requested before that still shows them, and must not bring them back.
    private var departed: [String: [String: UInt64]] = [:]
    /// The members' ids by edge, so that an edge's report costs time in that edge's instances.
    private var byEdge: [String: Set<String>] = [:]
    /// Live members on their way up (pulling, booting) or out (being removed), whose ends the
    /// loop follows: a handful, whatever the fleet's size.
    private var unsettledIDs: Set<String> = []
    /// Live members per edge and phase.
    public private(set) var liveByEdge: [String: [InstancePhase: Int]] = [:]
    /// What each image name an edge reported stands for ("flavor/content", nil: not one of
    /// Augur's): parsed once per name, however often it is reported.
    private var imageKeys: [String: String?] = [:]
    /// At most this many names are remembered (an edge is another machine: it may report anything).
    static let imageKeysKept = 1 << 17

    public init() {}

    /// The fleet as stored before a restart: nothing is answered until its edge reports it.
    public init(restoring stored: [EdgeInstance], removing: Set<String>, edges: [String]) {
        unreachable = Set(edges)
        for instance in stored { _ = observe(instance, removing: removing.contains(instance.spec.id)) }
    }

    /// Members of the instances that are neither gone nor failed.
    public var live: [Member] {
        members.values.filter { !$0.instance.phase.isFinal }.sorted { $0.instance.spec.id < $1.instance.spec.id }
    }

    /// How many answered instances of `content` are on `edge` (in time of that edge's members).
    public func answered(_ content: String, onEdge edge: String) -> Int {
        (byEdge[edge] ?? []).reduce(0) { count, id in
            guard let member = members[id], member.answered, member.instance.spec.content == content else { return count }
            return count + 1
        }
    }

    /// The live members on their way up or out, by id.
    public var unsettled: [Member] {
        unsettledIDs.sorted().compactMap { members[$0] }
    }

    /// Takes what an edge reports of one instance (new or known).
    public mutating func observe(_ instance: EdgeInstance, removing: Bool? = nil) -> [PoolChange] {
        let id = instance.spec.id
        let known = members[id]
        var member = known ?? Member(instance: instance)
        if let known { count(known.instance, by: -1) }
        count(instance, by: 1)
        if member.instance.spec.edge != instance.spec.edge { byEdge[member.instance.spec.edge]?.remove(id) }
        byEdge[instance.spec.edge, default: []].insert(id)
        member.instance = instance
        generation += 1
        member.observedAt = generation
        if let removing { member.removing = removing }
        if instance.image != nil || instance.phase == .ready {
            cachedImages[instance.spec.edge, default: []].insert("\(instance.spec.flavor)/\(instance.spec.content)")
        }
        if instance.phase == .ready, let boot = instance.seconds["boot"] {
            measuredBoot[instance.spec.flavor] = boot
        }
        members[id] = member
        noteUnsettled(member)
        let changes = settle(id)
        if instance.phase.isFinal {
            members[id] = nil
            byEdge[instance.spec.edge]?.remove(id)
            departed[instance.spec.edge, default: [:]][id] = generation
        }
        return changes
    }

    /// Takes an edge's list, requested when the fleet was at generation `asOf`: reported
    /// instances are observed (an edge that answers is reachable again, so its ready ones
    /// return to DNS); when the list is `complete`, known ones it no longer reports are gone
    /// (a list of changes only says nothing of the others, and costs time in its own length).
    /// Members observed after `asOf` keep what that newer observation said, and instances
    /// that ended after `asOf` stay ended. Returns the pool changes and the instances the
    /// report applied to (observed or vanished, the vanished ones now gone).
    public mutating func reconcile(
        edge: String, report: [EdgeInstance], asOf: UInt64, complete: Bool = true
    ) -> (changes: [PoolChange], applied: [EdgeInstance], vanished: [EdgeInstance]) {
        let returned = unreachable.remove(edge) != nil
        var changes: [PoolChange] = []
        func isNewer(_ id: String) -> Bool { (members[id]?.observedAt ?? 0) > asOf }
        // Ended before the list was requested: the list knows it, so the record is no longer needed.
        let endedSince = departed[edge]?.filter { $0.value > asOf } ?? [:]
        departed[edge] = endedSince.isEmpty ? nil : endedSince
        var applied: [EdgeInstance] = []
        for instance in report where !isNewer(instance.spec.id) && endedSince[instance.spec.id] == nil {
            // An ended instance the fleet does not know (an edge keeps its gone ones listed) says nothing new.
            if instance.phase.isFinal && members[instance.spec.id] == nil { continue }
            changes += observe(instance)
            applied.append(instance)
        }
        guard complete || returned else { return (changes, applied, []) }
        let known = byEdge[edge] ?? []
        let newer = known.filter(isNewer)
        // The newer members keep their state, but their edge answers again: the rule applies.
        for id in newer { changes += settle(id) }
        guard complete else { return (changes, applied, []) }
        let reported = Set(report.map(\.spec.id))
        var vanished: [EdgeInstance] = []
        for id in known.sorted() where !reported.contains(id) && !newer.contains(id) {
            guard var gone = members[id]?.instance else { continue }
            gone.phase = .gone
            changes += observe(gone)
            vanished.append(gone)
        }
        return (changes, applied, vanished)
    }

    /// Takes what an edge's operator says of its runtimes and, when it says, of the images
    /// it has: an eviction there is seen here, so the optimizer counts the pull again.
    public mutating func learn(_ state: NodeState) {
        let previous = nodes.updateValue(state, forKey: state.edge)
        realRuntimes[state.edge] = Set(state.runtimes).subtracting(state.emulatedRuntimes)
        // The same images as last time (the usual case): nothing to parse again.
        guard let images = state.images, images != previous?.images || cachedImages[state.edge] == nil else { return }
        cachedImages[state.edge] = Set(images.compactMap { text in
            if let known = imageKeys[text] { return known }
            // Augur tags an image REGISTRY/augur/FLAVOR:CONTENT; one named by digest is not counted.
            let key = ImageReference(text).flatMap { reference -> String? in
                guard !reference.isDigest, let flavor = reference.repository.split(separator: "/").last else { return nil }
                return "\(flavor)/\(reference.reference)"
            }
            if imageKeys.count < Self.imageKeysKept { imageKeys[text] = .some(key) }
            return key
        })
    }

    /// The edge does not answer: none of its instances is answered until it does.
    public mutating func lost(edge: String) -> [PoolChange] {
        unreachable.insert(edge)
        return (byEdge[edge] ?? []).flatMap { settle($0) }
    }

    /// The orchestrator starts removing an instance: its address leaves DNS now.
    public mutating func beginRemoval(_ id: String) -> [PoolChange] {
        guard var member = members[id] else { return [] }
        member.removing = true
        members[id] = member
        noteUnsettled(member)
        return settle(id)
    }

    private mutating func noteUnsettled(_ member: Member) {
        let phase = member.instance.phase
        if !phase.isFinal && (member.removing || phase == .pulling || phase == .booting) {
            unsettledIDs.insert(member.instance.spec.id)
        } else {
            unsettledIDs.remove(member.instance.spec.id)
        }
    }

    private mutating func count(_ instance: EdgeInstance, by step: Int) {
        guard !instance.phase.isFinal else { return }
        liveByEdge[instance.spec.edge, default: [:]][instance.phase, default: 0] += step
    }

    /// Brings `answered` in line with the rule and says what changed.
    private mutating func settle(_ id: String) -> [PoolChange] {
        guard var member = members[id] else { return [] }
        let spec = member.instance.spec
        let should = member.instance.phase == .ready && member.instance.isHealthy && !member.removing && !unreachable.contains(spec.edge)
        guard should != member.answered else { return [] }
        member.answered = should
        members[id] = member
        answeredByContent[spec.content, default: 0] += should ? 1 : -1
        return [should
            ? .add(instance: id, content: spec.content, flavor: spec.flavor, address: spec.address, edge: spec.edge)
            : .remove(instance: id, content: spec.content, flavor: spec.flavor, address: spec.address)]
    }
}
