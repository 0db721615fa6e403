import Foundation
import Workload

/// A whole scenario replayed: every run, as many times as it repeats, one after the other
/// against the same site; each repeat starts from empty edges and keeps its state in its
/// own folder. Cancelling it stops the run in progress, which removes what it started.
public struct ScenarioReplay: Sendable {
    public let scenario: Scenario
    /// The scenario's name (its file's), as `summary.json` gives it.
    public let name: String
    /// The output folder; each run keeps its state in a folder of its own below it.
    public let directory: URL
    public let environment: ReplayEnvironment

    public init(scenario: Scenario, name: String, directory: URL, environment: ReplayEnvironment) {
        self.scenario = scenario
        self.name = name
        self.directory = directory
        self.environment = environment
    }

    public func run() async throws -> ReplayReport {
        var runs: [(run: Scenario.Run, repeats: [RunRecords])] = []
        for run in scenario.runs {
            var repeats: [RunRecords] = []
            for repetition in 1...scenario.repeats {
                let folder = directory.appendingPathComponent(run.name)
                let replay = ReplayRun(
                    scenario: scenario, run: run, repetition: repetition,
                    directory: scenario.repeats > 1 ? folder.appendingPathComponent("repeat-\(repetition)") : folder, environment: environment)
                repeats.append(try await replay.execute())
            }
            runs.append((run, repeats))
        }
        return ReplayReport(scenario: scenario, name: name, runs: runs)
    }
}
