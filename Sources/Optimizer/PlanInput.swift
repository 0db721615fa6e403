/// What the optimizer knows when it plans one interval: forecasts, the fleet, the edges,
/// what each content and flavor costs. Plain values, built by the orchestrator, so the
/// optimizer stays pure and deterministic.
public struct PlanInput: Sendable, Hashable {
    public var intervalSeconds: Double
    public var demand: [ContentForecast]
    public var fleet: [FleetInstance]
    public var nodes: [NodeCapacity]
    public var contents: [String: ContentProfile]
    public var flavors: [String: FlavorTiming]
    /// Where clients are and which edges are near them: a content's demand from a region
    /// (its forecast's `regionShares`) is placed on that region's edges, nearest first.
    public var regions: [PlanRegion]

    public init(
        intervalSeconds: Double, demand: [ContentForecast], fleet: [FleetInstance], nodes: [NodeCapacity], contents: [String: ContentProfile],
        flavors: [String: FlavorTiming], regions: [PlanRegion] = []
    ) {
        self.intervalSeconds = intervalSeconds
        self.regions = regions
        self.demand = demand
        self.fleet = fleet
        self.nodes = nodes
        self.contents = contents
        self.flavors = flavors
    }
}

/// Forecast demand (concurrent requests) of one content for the coming intervals:
/// `steps[0]` is the next interval, `steps[k]` the one k intervals later.
public struct ContentForecast: Sendable, Hashable {
    public struct Step: Sendable, Hashable {
        public var mean: Double
        public var standardError: Double

        public init(mean: Double, standardError: Double = 0) {
            self.mean = mean
            self.standardError = standardError
        }
    }

    public var content: String
    public var steps: [Step]
    /// The part of the demand expected from each region's clients (by region name, each in
    /// 0...1, together at most 1): the rest comes from clients in no region.
    public var regionShares: [String: Double]

    public init(content: String, steps: [Step], regionShares: [String: Double] = [:]) {
        self.content = content
        self.steps = steps
        self.regionShares = regionShares
    }
}

/// A group of clients as the optimizer sees it: the edges near them, nearest first.
public struct PlanRegion: Sendable, Hashable {
    public var name: String
    public var edges: [String]

    public init(name: String, edges: [String]) {
        self.name = name
        self.edges = edges
    }
}

/// One instance the edges report.
public struct FleetInstance: Sendable, Hashable {
    public enum Phase: String, Sendable, Hashable {
        case pulling, booting, ready, draining
    }

    public var id: String
    public var content: String
    public var flavor: String
    public var node: String
    public var phase: Phase
    /// The core's baseline instance: never removed.
    public var baseline: Bool

    public init(id: String, content: String, flavor: String, node: String, phase: Phase, baseline: Bool = false) {
        self.id = id
        self.content = content
        self.flavor = flavor
        self.node = node
        self.phase = phase
        self.baseline = baseline
    }

    /// Counts toward capacity: everything but an instance on its way out.
    var serves: Bool { phase != .draining }
}

/// A node (edge PoP, or the core) as a place to put instances.
public struct NodeCapacity: Sendable, Hashable {
    public var name: String
    /// Whether new instances may go here (the core only holds baselines by default).
    public var acceptsDeploys: Bool
    public var instanceLimit: Int
    /// Runtimes offered (a flavor runs where its runtime is).
    public var runtimes: Set<String>
    public var linkBitsPerSecond: Double
    /// Images already local, as "flavor/content".
    public var cachedImages: Set<String>
    public var reachable: Bool
    /// Runtimes the node runs for real, not emulated: only these take flavors that are never emulated.
    public var realRuntimes: Set<String>

    public init(
        name: String, acceptsDeploys: Bool = true, instanceLimit: Int, runtimes: Set<String>, linkBitsPerSecond: Double, cachedImages: Set<String> = [],
        reachable: Bool = true, realRuntimes: Set<String> = []
    ) {
        self.name = name
        self.acceptsDeploys = acceptsDeploys
        self.instanceLimit = instanceLimit
        self.runtimes = runtimes
        self.realRuntimes = realRuntimes
        self.linkBitsPerSecond = linkBitsPerSecond
        self.cachedImages = cachedImages
        self.reachable = reachable
    }
}

/// Per content: concurrent requests one instance serves, and the flavors it may use in
/// the operator's order of preference.
public struct ContentProfile: Sendable, Hashable {
    public var capacityPerInstance: Int
    public var flavors: [String]

    public init(capacityPerInstance: Int, flavors: [String]) {
        self.capacityPerInstance = capacityPerInstance
        self.flavors = flavors
    }
}

extension NodeCapacity {
    /// Whether a flavor can run here: its runtime is offered, for real where it is never
    /// emulated, and emulated where its images are only stand-ins.
    func runs(_ timing: FlavorTiming) -> Bool {
        let real = realRuntimes.contains(timing.runtime)
        return runtimes.contains(timing.runtime) && (timing.emulable || real) && !(timing.standIn && real)
    }
}

/// Per flavor: its runtime, measured boot time and image size, for expected time to ready.
public struct FlavorTiming: Sendable, Hashable {
    public var runtime: String
    public var bootSeconds: Double
    /// Image megabytes by content name.
    public var imageMegabytes: [String: Double]
    /// False for a flavor that runs only where its runtime is real (`xen-linux`).
    public var emulable: Bool
    /// True for a flavor whose images are stand-ins (ClickOS here): it runs only where emulated.
    public var standIn: Bool

    public init(runtime: String, bootSeconds: Double, imageMegabytes: [String: Double], emulable: Bool = true, standIn: Bool = false) {
        self.runtime = runtime
        self.bootSeconds = bootSeconds
        self.imageMegabytes = imageMegabytes
        self.emulable = emulable
        self.standIn = standIn
    }

    /// Pull (if `node` lacks the image, at its link's rate) plus boot.
    public func secondsToReady(content: String, on node: NodeCapacity, flavor: String) -> Double {
        let cached = node.cachedImages.contains("\(flavor)/\(content)")
        let pull = cached ? 0 : (imageMegabytes[content] ?? 0) * 8 * 1_048_576 / max(1, node.linkBitsPerSecond)
        return pull + bootSeconds
    }
}
