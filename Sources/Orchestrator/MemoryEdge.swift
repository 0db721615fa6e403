import AugurModel
import EdgeLink
import EdgeWire
import Foundation

/// An edge that lives in memory: the `EdgeConnection` twin the control loop is tested and
/// simulated with, the way a memory store stands beside a database. It keeps instances
/// with phases, an instance limit and addresses from the node's pools like an operator,
/// but nothing boots: how each deploy ends is the caller's choice (at once ready or failed,
/// or held until `release`), and the edge can be made unreachable or slow. Every instance it
/// reports is marked emulated.
public actor MemoryEdge: EdgeConnection {
    /// How a deploy of a flavor ends.
    public enum BootOutcome: Sendable, Hashable {
        /// Ready as soon as the loop waits for it.
        case ready
        /// Failed with this reason as soon as the loop waits for it.
        case fail(String)
        /// Booting until `release(_:to:)`.
        case hold
    }

    public nonisolated let edge: String
    private let node: Node
    private let flavors: [String: Flavor]
    private var records: [String: EdgeInstance] = [:]
    /// Kept with `records`, so that a call costs what it touches, not every instance the edge ever ran.
    private var phaseCounts: [InstancePhase: Int] = [:]
    private var liveAddresses: Set<String> = []
    /// Ended instances, oldest first: past `endedKept` the oldest is forgotten, as an operator
    /// forgets finished instances after a while (a whole list no longer carries it).
    private var ended: [String] = []
    private let endedKept: Int
    /// Which record changed when, so that it lists only what changed when asked to, as an operator does.
    private var changes = InstanceChangeLog()
    private var outcomes: [String: BootOutcome] = [:]
    private var reachable = true
    private var delay: Duration = .zero
    private var nextID = 0
    /// Images "made local" by a deploy, until evicted.
    private var images: Set<String> = []
    /// Every call the loop made, in order ("create video1/clickos", "remove ID", "instances",
    /// "instances since" (what changed since a cursor), "node").
    public private(set) var calls: [String] = []

    public init(node: Node, flavors: [String: Flavor], endedKept: Int = 1_024) {
        edge = node.name
        self.node = node
        self.flavors = flavors
        self.endedKept = max(0, endedKept)
    }

    // MARK: Controls

    public func setOutcome(_ outcome: BootOutcome, for flavor: String) { outcomes[flavor] = outcome }

    /// An unreachable edge answers every call with `EdgeClient.Failure.unreachable`.
    public func setReachable(_ value: Bool) { reachable = value }

    /// Every call waits this long first (cancellable, as a request in flight is).
    public func setDelay(_ value: Duration) { delay = value }

    /// Ends a held boot: `.ready` or `.failed`.
    public func release(_ id: String, to phase: InstancePhase, failure: String? = nil) {
        guard var record = records[id], !record.phase.isFinal else { return }
        record.phase = phase
        record.failure = failure
        record.timeline.began[phase] = Date()
        put(record)
    }

    /// Puts an instance in the edge as a previous run left it (for restart tests).
    public func seed(_ instance: EdgeInstance) {
        put(instance)
    }

    public func instance(_ id: String) -> EdgeInstance? { records[id] }

    // MARK: EdgeConnection

    public func create(_ request: CreateInstanceRequest) async throws -> EdgeInstance {
        try await answer("create \(request.content)/\(request.flavor)")
        guard let flavor = flavors[request.flavor] else { throw EdgeError.invalidRequest("unknown flavor '\(request.flavor)'") }
        guard liveAddresses.count < node.instanceLimit else { throw EdgeError.limitReached(edge: edge, limit: node.instanceLimit) }
        // Emulated, as an operator without the real runtime: from the emulated pool when the edge has one.
        let runtime: RuntimeKind = node.pools[.emulated] != nil ? .emulated : flavor.runtime
        guard let pool = node.pools[runtime] else {
            throw EdgeError.invalidRequest("\(edge) offers no \(flavor.runtime.rawValue) runtime for flavor '\(flavor.name)'")
        }
        guard let address = pool.hostAddresses(limit: liveAddresses.count + 1).map(\.description).first(where: { !liveAddresses.contains($0) }) else {
            throw EdgeError.addressInUse("no free address in \(pool)")
        }
        nextID += 1
        let spec = InstanceSpec(
            id: "\(request.content)-\(request.flavor)-m\(nextID)", edge: edge, content: request.content, flavor: request.flavor, runtime: runtime,
            image: "memory.invalid/augur/\(request.flavor):\(request.content)", address: address, port: 8080)
        var record = EdgeInstance(spec: spec, requested: Date(), emulated: true)
        record.phase = .booting
        record.timeline.began[.booting] = record.timeline.requested
        put(record)
        images.insert(spec.image)
        return record
    }

    public func settled(_ id: String) async throws -> EdgeInstance {
        try await answer("settled \(id)")
        guard let record = records[id] else { throw EdgeError.unknownInstance(id) }
        switch outcomes[record.spec.flavor] ?? .ready {
        case .ready where record.phase == .booting: release(id, to: .ready)
        case .fail(let reason) where record.phase == .booting: release(id, to: .failed, failure: reason)
        default: break
        }
        // Held: wait, cancellable like a long poll, until `release` ends it.
        while let current = records[id], current.phase == .booting || current.phase == .pulling {
            try await Task.sleep(for: .milliseconds(5))
        }
        return records[id] ?? record
    }

    public func instances(since cursor: InstanceCursor?) async throws -> InstanceList {
        try await answer(cursor == nil ? "instances" : "instances since")
        return changes.list(since: cursor, records: records)
    }

    public func remove(_ id: String, drainSeconds: Double) async throws -> EdgeInstance {
        try await answer("remove \(id)")
        guard records[id] != nil else { throw EdgeError.unknownInstance(id) }
        release(id, to: .gone)
        guard let gone = records[id] else { throw EdgeError.unknownInstance(id) }
        return gone
    }

    public func evictImages(runtime: RuntimeKind?) async throws -> ImageEviction {
        try await answer("evict")
        let inUse = Set(records.values.filter { !$0.phase.isFinal }.map(\.spec.image))
        let evicted = images.subtracting(inUse)
        images = images.intersection(inUse)
        return ImageEviction(images: evicted.count)
    }

    public func node() async throws -> NodeState {
        try await answer("node")
        let runtimes = Set(node.pools.keys.map(\.rawValue)).union([RuntimeKind.emulated.rawValue]).sorted()
        return NodeState(edge: edge, instanceLimit: node.instanceLimit, instances: phaseCounts.filter { $0.value > 0 }, runtimes: runtimes, emulatedRuntimes: runtimes, images: images.sorted())
    }

    // MARK: Plumbing

    /// Keeps `record` as the instance's newest state, with the counts that follow it.
    private func put(_ record: EdgeInstance) {
        let id = record.spec.id
        if let old = records[id] { unkeep(old) }
        records[id] = record
        phaseCounts[record.phase, default: 0] += 1
        if record.phase.isFinal { ended.append(id) } else { liveAddresses.insert(record.spec.address) }
        changes.changed(id)
        while ended.count > endedKept {
            let oldest = ended.removeFirst()
            // Kept again since it ended (seeded anew): not an ended instance any more.
            guard let forgotten = records[oldest], forgotten.phase.isFinal else { continue }
            unkeep(forgotten)
            records[oldest] = nil
            changes.forgot(oldest)
        }
    }

    private func unkeep(_ record: EdgeInstance) {
        phaseCounts[record.phase, default: 0] -= 1
        if !record.phase.isFinal { liveAddresses.remove(record.spec.address) }
    }

    private func answer(_ call: String) async throws {
        calls.append(call)
        if delay > .zero { try await Task.sleep(for: delay) }
        guard reachable else { throw EdgeClient.Failure.unreachable(edge: edge, reason: "made unreachable") }
    }
}
