import ArgumentParser
import AugurModel
import Foundation
import Workload

/// `augur check`: reads the configuration (and any scenario files) exactly as the other
/// commands do and says whether they would start, before a service is installed or
/// restarted on it. Every problem it prints names the file, line and field.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the topology, flavors and catalog (and scenario files) without starting anything."
    )

    @OptionGroup var config: ConfigurationOptions

    @Argument(help: "Scenario files to check too (Scripts/scenarios/*.yaml).")
    var scenarios: [String] = []

    func run() throws {
        let findings = check()
        for line in findings.passed { print(line) }
        guard findings.problems.isEmpty else {
            for problem in findings.problems { FileHandle.standardError.write(Data("\(problem)\n".utf8)) }
            throw ExitCode(1)
        }
    }

    /// What passed (one line per file set) and every problem found, each whole.
    func check() -> (passed: [String], problems: [String]) {
        var passed: [String] = []
        var problems: [String] = []
        do {
            let configuration = try config.load()
            passed.append(
                "ok: \(config.topology): \(configuration.topology.edges.count) edges; \(config.content): \(configuration.catalog.contents.count) contents; \(configuration.flavors.count) flavors")
        } catch {
            problems.append("\(error)")
        }
        for path in scenarios {
            do {
                let scenario = try Scenario.load(path)
                passed.append("ok: \(path): \(scenario.runs.count) runs of \(scenario.rounds) rounds")
            } catch {
                problems.append("\(error)")
            }
        }
        return (passed, problems)
    }
}
