import Foundation
import Testing
import Workload

/// Scenario files: the shipped ones load; a bad one is refused naming the file and the reason.
@Suite struct ScenarioTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func theShippedQuickScenarioLoads() throws {
        let scenario = try Scenario.load(Self.root.appendingPathComponent("Scripts/scenarios/paper-s3-quick.yaml").path)
        #expect(scenario.roundMilliseconds == 3_000)
        #expect(scenario.runs.map(\.name).count == 2)
        #expect(scenario.rounds == scenario.cycles * scenario.pattern.users.count)
        #expect(scenario.pattern.users(inRound: scenario.pattern.users.count) == scenario.pattern.users[0], "rounds wrap around the pattern")
    }

    @Test(arguments: [
        ("round: 500ms\ncycles: 2", "round"),
        ("round: 3s\ncycles: 1", "cycles must be at least 2"),
        ("round: soon\ncycles: 2", "round"),
    ])
    func aBadScenarioIsRefusedWithItsReason(_ body: String, _ reason: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("scenario-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try "content: video1\nusers: [1, 2]\n".write(to: directory.appendingPathComponent("pattern.yaml"), atomically: true, encoding: .utf8)
        let file = directory.appendingPathComponent("scenario.yaml")
        try "title: t\npattern: pattern.yaml\n\(body)\nruns:\n  - {name: a, model: \"ema:1\", edge_flavor: clickos}\n".write(to: file, atomically: true, encoding: .utf8)
        do {
            _ = try Scenario.load(file.path)
            Issue.record("a bad scenario loaded")
        } catch {
            #expect(error.file == file.path && error.reason.contains(reason), "\(error)")
        }
    }
}
