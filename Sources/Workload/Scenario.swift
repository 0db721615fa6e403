import AugurModel
import Foundation

/// How a round's users arrive: all at once (`burst`, the paper's), or spread evenly over the
/// first 80 % of the round (`uniform`).
public enum Arrival: String, Sendable, Hashable, Codable {
    case burst, uniform

    /// The share of the round over which `uniform` spreads its users.
    public static let uniformSpan = 0.8

    /// When each of `users` users of a round of `roundMilliseconds` starts, from the first.
    public func offsets(users: Int, roundMilliseconds: Int) -> [Duration] {
        guard self == .uniform, users > 1 else { return Array(repeating: .zero, count: max(0, users)) }
        let step = Double(roundMilliseconds) * Self.uniformSpan / Double(users)
        return (0..<users).map { .milliseconds(Int64((Double($0) * step).rounded())) }
    }
}

/// A user pattern (`Scripts/patterns/*.yaml`): the content every user downloads and the users
/// of each round: a cycle that repeats (the paper's), or with `cycle: false` every round of
/// the replay. A round lasts one counting interval. With `sites`, the users come from client
/// sites, each a region of the topology with its own users per round (`users` is then their sum).
public struct Pattern: Sendable, Hashable, Codable {
    /// A client site: a region's users, who resolve from an address inside its coverage zone.
    public struct Site: Sendable, Hashable, Codable {
        /// The topology region the site's clients are in.
        public var name: String
        public var users: [Int]

        public init(name: String, users: [Int]) {
            self.name = name
            self.users = users
        }
    }

    public var content: String
    public var users: [Int]
    /// False: `users` lists every round of the replay rather than one cycle.
    public var cycle: Bool
    /// How the users of a round arrive, unless the scenario says.
    public var arrival: Arrival?
    /// Where the users are (empty: one site, the clients' own, in no region).
    public var sites: [Site]

    public init(content: String, users: [Int], cycle: Bool = true, arrival: Arrival? = nil) {
        self.content = content
        self.users = users
        self.cycle = cycle
        self.arrival = arrival
        sites = []
    }

    /// A pattern of client sites: every round's users are the sites' sum.
    public init(content: String, sites: [Site], cycle: Bool = true, arrival: Arrival? = nil) {
        self.init(content: content, users: Self.sum(sites), cycle: cycle, arrival: arrival)
        self.sites = sites
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        content = try container.decode(String.self, forKey: .content)
        sites = try container.decodeIfPresent([Site].self, forKey: .sites) ?? []
        let listed = try container.decodeIfPresent([Int].self, forKey: .users)
        if let first = sites.first, let other = sites.first(where: { $0.users.count != first.users.count }) {
            throw DecodingError.dataCorruptedError(
                forKey: .sites, in: container,
                debugDescription: "every site lists the same rounds: \(first.name) has \(first.users.count), \(other.name) \(other.users.count)")
        }
        guard listed == nil || sites.isEmpty || listed == Self.sum(sites) else {
            throw DecodingError.dataCorruptedError(forKey: .users, in: container, debugDescription: "give users or sites, not both (users would be the sites' sum)")
        }
        guard let users = listed ?? (sites.isEmpty ? nil : Self.sum(sites)) else {
            throw DecodingError.keyNotFound(CodingKeys.users, DecodingError.Context(codingPath: container.codingPath, debugDescription: "users (or sites) is required"))
        }
        self.users = users
        cycle = try container.decodeIfPresent(Bool.self, forKey: .cycle) ?? true
        arrival = try container.decodeIfPresent(Arrival.self, forKey: .arrival)
    }

    /// Users in round `index` (a cycle repeats; a listed replay has none past its end).
    public func users(inRound index: Int) -> Int { Self.count(users, round: index, cycle: cycle) }

    /// The users of `site` in round `index`.
    public func users(inRound index: Int, site: Site) -> Int { Self.count(site.users, round: index, cycle: cycle) }

    private static func count(_ list: [Int], round: Int, cycle: Bool) -> Int {
        guard !list.isEmpty else { return 0 }
        return cycle ? list[round % list.count] : (round < list.count ? list[round] : 0)
    }

    private static func sum(_ sites: [Site]) -> [Int] {
        guard let first = sites.first else { return [] }
        return first.users.indices.map { round in sites.reduce(0) { $0 + ($1.users.indices.contains(round) ? $1.users[round] : 0) } }
    }
}

/// A replay (`Scripts/scenarios/*.yaml`): the pattern, how long a round lasts, how many
/// rounds (cycles of the pattern, or the rounds it lists), how many only train the
/// predictors, how users arrive, how often each run repeats, and the runs to compare, each a
/// model, a scaling policy and an edge flavor.
public struct Scenario: Sendable, Hashable {
    public struct Run: Sendable, Hashable, Codable {
        public var name: String
        public var model: String
        /// The flavor the edges deploy, or several in order of preference (`xen-linux,clickos`:
        /// the real Xen edge boots xen-linux guests, the others emulated ClickOS).
        public var edgeFlavor: String
        /// The edge ↔ core links' rate in this run (e.g. `10Mbps`); nil keeps the topology's.
        /// Only the namespace testbed has links to shape.
        public var edgeBandwidth: String?
        /// How capacity follows demand (a replay's default: predictive, the paper's).
        public var policy: ScalingPolicy
        /// Whether DNS answers and the planner places by the topology's regions (the default);
        /// false runs the same sites as if the topology had none, to compare against.
        public var regions: Bool

        public init(name: String, model: String, edgeFlavor: String, edgeBandwidth: String? = nil, policy: ScalingPolicy = .predictive, regions: Bool = true) {
            self.name = name
            self.model = model
            self.edgeFlavor = edgeFlavor
            self.edgeBandwidth = edgeBandwidth
            self.policy = policy
            self.regions = regions
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            model = try container.decode(String.self, forKey: .model)
            edgeFlavor = try container.decode(String.self, forKey: .edgeFlavor)
            edgeBandwidth = try container.decodeIfPresent(String.self, forKey: .edgeBandwidth)
            policy = try container.decodeIfPresent(ScalingPolicy.self, forKey: .policy) ?? .predictive
            regions = try container.decodeIfPresent(Bool.self, forKey: .regions) ?? true
        }

        /// `edge_flavor` as a preference list.
        public var edgeFlavors: [String] {
            edgeFlavor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }

        enum CodingKeys: String, CodingKey {
            case name, model, policy, regions
            case edgeFlavor = "edge_flavor"
            case edgeBandwidth = "edge_bandwidth"
        }

        public var edgeBitsPerSecond: Int? { edgeBandwidth.flatMap(Units.bitsPerSecond) }
    }

    public var title: String
    public var pattern: Pattern
    public var roundMilliseconds: Int
    /// Rounds in the whole replay.
    public var rounds: Int
    /// The first rounds, which only train the predictors.
    public var trainingRounds: Int
    public var arrival: Arrival
    /// Times each run is replayed; its figures are the means over them.
    public var repeats: Int
    public var runs: [Run]

    public init(
        title: String, pattern: Pattern, roundMilliseconds: Int, rounds: Int, trainingRounds: Int, arrival: Arrival = .burst, repeats: Int = 1, runs: [Run]
    ) {
        self.title = title
        self.pattern = pattern
        self.roundMilliseconds = roundMilliseconds
        self.rounds = rounds
        self.trainingRounds = trainingRounds
        self.arrival = arrival
        self.repeats = repeats
        self.runs = runs
    }

    /// Reads a scenario and the pattern it names (relative to the scenario's folder).
    public static func load(_ path: String) throws(ScenarioError) -> Scenario {
        struct File: Codable {
            var title: String
            var pattern: String
            var round: String
            var cycles: Int?
            var training: Int?
            var arrival: Arrival?
            var repeats: Int?
            var runs: [Run]
        }
        let file: File = try decode(path)
        let patternPath = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(file.pattern).standardized.path
        let pattern: Pattern = try decode(patternPath)
        guard !pattern.users.isEmpty, pattern.users.allSatisfy({ $0 >= 0 }) else { throw ScenarioError(file: patternPath, reason: "users must be a non-empty list of counts") }
        for site in pattern.sites where site.users.contains(where: { $0 < 0 }) {
            throw ScenarioError(file: patternPath, reason: "site '\(site.name)': users must be counts, not negative")
        }
        guard Set(pattern.sites.map(\.name)).count == pattern.sites.count else { throw ScenarioError(file: patternPath, reason: "every site needs a name of its own") }
        guard let milliseconds = Self.milliseconds(file.round), milliseconds >= 1_000 else {
            throw ScenarioError(file: path, reason: "round '\(file.round)' is not a duration of at least 1s (e.g. 30s)")
        }
        let rounds: Int
        let training: Int
        if pattern.cycle {
            guard let cycles = file.cycles else { throw ScenarioError(file: path, reason: "cycles is required: the pattern is a cycle") }
            rounds = cycles * pattern.users.count
            training = file.training ?? pattern.users.count
            guard file.training != nil || cycles >= 2 else { throw ScenarioError(file: path, reason: "cycles must be at least 2: the first only trains") }
        } else {
            guard file.cycles == nil || file.cycles == 1 else {
                throw ScenarioError(file: path, reason: "cycles must be omitted: the pattern lists every round (cycle: false)")
            }
            guard let listed = file.training else {
                throw ScenarioError(file: path, reason: "training: N is required: the pattern lists every round (cycle: false), so it has no period to train on")
            }
            rounds = pattern.users.count
            training = listed
        }
        guard training >= 1, training < rounds else {
            throw ScenarioError(file: path, reason: "training must be at least 1 round and leave rounds to act in (\(rounds) in all), not \(training)")
        }
        let repeats = file.repeats ?? 1
        guard repeats >= 1 else { throw ScenarioError(file: path, reason: "repeats must be at least 1, not \(repeats)") }
        guard !file.runs.isEmpty else { throw ScenarioError(file: path, reason: "at least one run is needed") }
        guard Set(file.runs.map(\.name)).count == file.runs.count else { throw ScenarioError(file: path, reason: "every run needs a name of its own") }
        for run in file.runs where run.edgeBandwidth != nil && run.edgeBitsPerSecond == nil {
            throw ScenarioError(file: path, reason: "run '\(run.name)': edge_bandwidth '\(run.edgeBandwidth ?? "")' is not a rate such as 10Mbps")
        }
        return Scenario(
            title: file.title, pattern: pattern, roundMilliseconds: milliseconds, rounds: rounds, trainingRounds: training,
            arrival: file.arrival ?? pattern.arrival ?? .burst, repeats: repeats, runs: file.runs)
    }

    private static func decode<T: Decodable>(_ path: String) throws(ScenarioError) -> T {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ScenarioError(file: path, reason: "cannot read it: \(error.localizedDescription)")
        }
        do {
            return try ConfigDocument(file: path, text: text).decode(T.self)
        } catch {
            let place = error.line.map { "line \($0): " } ?? ""
            throw ScenarioError(file: path, reason: place + (error.field.isEmpty ? error.reason : "\(error.field): \(error.reason)"))
        }
    }

    private static func milliseconds(_ text: String) -> Int? {
        if text.hasSuffix("ms") { return Int(text.dropLast(2)) }
        if text.hasSuffix("s") { return Int(text.dropLast()).map { $0 * 1_000 } }
        return nil
    }
}

/// A scenario or pattern file that cannot be used, and why.
public struct ScenarioError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var reason: String
    public var description: String { "\(file): \(reason)" }
}
