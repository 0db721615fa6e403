import Foundation
import Testing
import TestSupport
import Workload

/// Scenario files: the shipped ones load; a bad one is refused naming the file and the reason.
@Suite struct ScenarioTests {
    static let root = Testbed.root

    @Test func theShippedQuickScenarioLoads() throws {
        let scenario = try Scenario.load(Self.root.appendingPathComponent("Scripts/scenarios/paper-s3-quick.yaml").path)
        #expect(scenario.roundMilliseconds == 3_000)
        #expect(scenario.runs.map(\.name).count == 2)
        #expect(scenario.rounds == 3 * scenario.pattern.users.count)
        #expect(scenario.trainingRounds == scenario.pattern.users.count, "one period trains by default")
        #expect(scenario.arrival == .burst && scenario.repeats == 1 && scenario.runs.allSatisfy { $0.policy == .predictive }, "the paper's scenarios keep their meaning")
        #expect(scenario.pattern.users(inRound: scenario.pattern.users.count) == scenario.pattern.users[0], "rounds wrap around the pattern")
    }

    /// Every shipped scenario and pattern loads, and each listed pattern has its training.
    @Test func everyShippedScenarioLoads() throws {
        let folder = Self.root.appendingPathComponent("Scripts/scenarios")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 8)
        for file in files {
            let scenario = try Scenario.load(folder.appendingPathComponent(file).path)
            #expect(scenario.trainingRounds >= 1 && scenario.trainingRounds < scenario.rounds, "\(file)")
        }
    }

    /// A pattern that lists every round, with its training, arrival, repeats and policies.
    @Test func aListedPatternRunsItsRoundsOnceWithTheScenariosSettings() throws {
        let file = try Self.write(
            pattern: "content: video1\ncycle: false\narrival: uniform\nusers: [5, 5, 5, 50, 5]\n",
            scenario: "round: 3s\ntraining: 2\nrepeats: 3\nruns:\n  - {name: a, model: \"ema:1\", edge_flavor: clickos, policy: hybrid}\n  - {name: b, model: \"ema:1\", edge_flavor: clickos}")
        let scenario = try Scenario.load(file.path)
        #expect(scenario.rounds == 5 && scenario.trainingRounds == 2 && scenario.repeats == 3)
        #expect(scenario.arrival == .uniform, "the pattern's arrival, as the scenario sets none")
        #expect(scenario.runs.map(\.policy) == [.hybrid, .predictive])
        #expect(scenario.pattern.users(inRound: 3) == 50 && scenario.pattern.users(inRound: 5) == 0, "a listed pattern does not wrap")
    }

    /// A pattern of client sites: each site's users per round, the total their sum, and a run
    /// that turns the topology's regions off.
    @Test func aPatternOfSitesGivesEachSiteItsUsersAndTheirSum() throws {
        let file = try Self.write(
            pattern: "content: video1\nsites:\n  - {name: north, users: [10, 80]}\n  - {name: south, users: [5, 5]}\n",
            scenario: "round: 3s\ncycles: 2\nruns:\n  - {name: a, model: \"ema:1\", edge_flavor: clickos}\n  - {name: b, model: \"ema:1\", edge_flavor: clickos, regions: false}")
        let scenario = try Scenario.load(file.path)
        let (north, south) = (try #require(scenario.pattern.sites.first), try #require(scenario.pattern.sites.last))
        #expect(scenario.pattern.users == [15, 85] && scenario.rounds == 4)
        #expect(scenario.pattern.users(inRound: 3, site: north) == 80 && scenario.pattern.users(inRound: 2, site: south) == 5, "a site's cycle wraps")
        #expect(scenario.runs.map(\.regions) == [true, false])
        let shipped = try Scenario.load(Self.root.appendingPathComponent("Scripts/scenarios/regions.yaml").path)
        #expect(shipped.pattern.sites.map(\.name) == ["north", "south"] && shipped.runs.contains { !$0.regions })
    }

    @Test(arguments: [
        ("content: video1\nsites:\n  - {name: north, users: [1, 2]}\n  - {name: south, users: [1]}\n", "every site lists the same rounds"),
        ("content: video1\nusers: [1, 1]\nsites:\n  - {name: north, users: [1, 2]}\n", "give users or sites, not both"),
        ("content: video1\nsites:\n  - {name: north, users: [1, 2]}\n  - {name: north, users: [1, 2]}\n", "every site needs a name of its own"),
        ("content: video1\nsites:\n  - {name: north, users: [3, -1]}\n  - {name: south, users: [1, 2]}\n", "site 'north': users must be counts"),
        ("content: video1\n", "users"),
    ])
    func aBadPatternOfSitesIsRefusedWithItsReason(_ pattern: String, _ reason: String) throws {
        let file = try Self.write(pattern: pattern, scenario: "round: 3s\ncycles: 2\n\(Self.oneRun)")
        do {
            _ = try Scenario.load(file.path)
            Issue.record("a bad pattern loaded")
        } catch {
            #expect(error.reason.contains(reason), "\(error)")
        }
    }

    @Test func uniformArrivalSpreadsUsersOverTheFirstEightyPercent() {
        let offsets = Arrival.uniform.offsets(users: 4, roundMilliseconds: 1_000)
        #expect(offsets == [.zero, .milliseconds(200), .milliseconds(400), .milliseconds(600)])
        #expect(Arrival.burst.offsets(users: 3, roundMilliseconds: 1_000) == [.zero, .zero, .zero])
    }

    static func write(pattern: String, scenario body: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scenario-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try pattern.write(to: directory.appendingPathComponent("pattern.yaml"), atomically: true, encoding: .utf8)
        let file = directory.appendingPathComponent("scenario.yaml")
        try "title: t\npattern: pattern.yaml\n\(body)\n".write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    static let oneRun = "runs:\n  - {name: a, model: \"ema:1\", edge_flavor: clickos}"

    @Test(arguments: [
        ("content: video1\nusers: [1, 2]\n", "round: 500ms\ncycles: 2\n\(oneRun)", "round"),
        ("content: video1\nusers: [1, 2]\n", "round: 3s\ncycles: 1\n\(oneRun)", "cycles must be at least 2"),
        ("content: video1\nusers: [1, 2]\n", "round: soon\ncycles: 2\n\(oneRun)", "round"),
        ("content: video1\nusers: [1, 2]\n", "round: 3s\n\(oneRun)", "cycles is required"),
        ("content: video1\ncycle: false\nusers: [1, 2, 3]\n", "round: 3s\n\(oneRun)", "training: N is required"),
        ("content: video1\ncycle: false\nusers: [1, 2, 3]\n", "round: 3s\ntraining: 3\n\(oneRun)", "leave rounds to act in"),
        ("content: video1\ncycle: false\nusers: [1, 2, 3]\n", "round: 3s\ncycles: 2\ntraining: 1\n\(oneRun)", "cycles must be omitted"),
        ("content: video1\nusers: [1, 2]\n", "round: 3s\ncycles: 2\nrepeats: 0\n\(oneRun)", "repeats must be at least 1"),
        ("content: video1\nusers: [1, 2]\n", "round: 3s\ncycles: 2\n\(oneRun)\n  - {name: a, model: \"ema:2\", edge_flavor: clickos}", "name of its own"),
        ("content: video1\nusers: [1, 2]\n", "round: 3s\ncycles: 2\nruns:\n  - {name: a, model: \"ema:1\", edge_flavor: clickos, policy: eager}", "eager"),
        ("content: video1\nusers: [1, 2]\n", "round: 3s\ncycles: 2\nrepeat: 2\n\(oneRun)", "line 5: repeat: unknown field (did you mean 'repeats'?)"),
        ("content: video1\nusers: [1, 2]\n", "round: 3s\ncycles: 2\ntrainig: 1\n\(oneRun)", "trainig: unknown field (did you mean 'training'?)"),
        ("content: video1\nusers: [1, 2]\n", "round: 3s\ncycles: 2\nruns:\n  - {name: a, model: \"ema:1\", edge_flavour: clickos, edge_flavor: clickos}", "runs[0].edge_flavour: unknown field (did you mean 'edge_flavor'?)"),
    ])
    func aBadScenarioIsRefusedWithItsReason(_ pattern: String, _ body: String, _ reason: String) throws {
        let file = try Self.write(pattern: pattern, scenario: body)
        do {
            _ = try Scenario.load(file.path)
            Issue.record("a bad scenario loaded")
        } catch {
            #expect(error.file == file.path && error.reason.contains(reason), "\(error)")
        }
    }
}
