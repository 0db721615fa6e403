import AugurModel
import Foundation
import Yams

/// A user pattern (`Scripts/patterns/*.yaml`): the content every user downloads and the users
/// of each round, cycled. A round lasts one counting interval.
public struct Pattern: Sendable, Hashable, Codable {
    public var content: String
    public var users: [Int]

    /// Users in round `index` (the pattern repeats).
    public func users(inRound index: Int) -> Int { users[index % users.count] }
}

/// A replay (`Scripts/scenarios/*.yaml`): the pattern, how long a round lasts, how many
/// cycles to replay (the first only trains the predictors), and the runs to compare, each
/// a model and an edge flavor.
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

        /// `edge_flavor` as a preference list.
        public var edgeFlavors: [String] {
            edgeFlavor.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }

        enum CodingKeys: String, CodingKey {
            case name, model
            case edgeFlavor = "edge_flavor"
            case edgeBandwidth = "edge_bandwidth"
        }

        public var edgeBitsPerSecond: Int? { edgeBandwidth.flatMap(Units.bitsPerSecond) }
    }

    public var title: String
    public var pattern: Pattern
    public var roundMilliseconds: Int
    public var cycles: Int
    public var runs: [Run]

    /// Reads a scenario and the pattern it names (relative to the scenario's folder).
    public static func load(_ path: String) throws(ScenarioError) -> Scenario {
        struct File: Codable {
            var title: String
            var pattern: String
            var round: String
            var cycles: Int
            var runs: [Run]
        }
        let file: File = try decode(path)
        let patternPath = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(file.pattern).standardized.path
        let pattern: Pattern = try decode(patternPath)
        guard !pattern.users.isEmpty, pattern.users.allSatisfy({ $0 >= 0 }) else { throw ScenarioError(file: patternPath, reason: "users must be a non-empty list of counts") }
        guard let milliseconds = Self.milliseconds(file.round), milliseconds >= 1_000 else {
            throw ScenarioError(file: path, reason: "round '\(file.round)' is not a duration of at least 1s (e.g. 30s)")
        }
        guard file.cycles >= 2 else { throw ScenarioError(file: path, reason: "cycles must be at least 2: the first only trains") }
        guard !file.runs.isEmpty else { throw ScenarioError(file: path, reason: "at least one run is needed") }
        for run in file.runs where run.edgeBandwidth != nil && run.edgeBitsPerSecond == nil {
            throw ScenarioError(file: path, reason: "run '\(run.name)': edge_bandwidth '\(run.edgeBandwidth ?? "")' is not a rate such as 10Mbps")
        }
        return Scenario(title: file.title, pattern: pattern, roundMilliseconds: milliseconds, cycles: file.cycles, runs: file.runs)
    }

    /// Rounds in the whole replay.
    public var rounds: Int { cycles * pattern.users.count }

    private static func decode<T: Decodable>(_ path: String) throws(ScenarioError) -> T {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ScenarioError(file: path, reason: "cannot read it: \(error.localizedDescription)")
        }
        do {
            return try YAMLDecoder().decode(T.self, from: text)
        } catch {
            throw ScenarioError(file: path, reason: "\(error)")
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
