import ArgumentParser
import AugurModel
import EdgeOperator
import Foundation
import Logging
import Replay
import TestbedNetwork
import UnixSignals
import Workload

/// `augur replay`: replays a scenario's user pattern against the whole system, once per run
/// (model × policy × edge flavor) and repeat, and reports what clients saw: per-round CSV,
/// SVG figures, `summary.json` and a verdict (`ScenarioReplay` does the work).
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a scenario (Scripts/scenarios/*.yaml) against the whole system and report what clients saw."
    )

    @OptionGroup var config: ConfigurationOptions
    @OptionGroup var runtimes: EdgeRuntimeOptions
    @OptionGroup var logging: LoggingOptions

    @Option(help: "The scenario file.")
    var scenario: String = "Scripts/scenarios/paper-s3.yaml"

    @Option(help: "Where the CSV, the figures and the runs' state go (default: replay-results/<scenario>): a new or empty folder, or an earlier replay's.")
    var output: String?

    @Option(help: "The DNS balancer's ADDRESS:PORT during the replay (default: 127.0.0.1:5390, or with --testbed the topology's).")
    var dnsListen: String?

    @Flag(help: "Replay on the namespace testbed (Scripts/testbed-up --without-orchestrator), run from its core: ip netns exec augur-core augur replay --testbed.")
    var testbed = false

    @Option(help: "The testbed's namespace prefix (with --testbed).")
    var testbedPrefix: String = "augur"

    func validate() throws {
        if let dnsListen, SocketEndpoint(dnsListen) == nil { throw ValidationError("--dns-listen '\(dnsListen)' is not ADDRESS:PORT") }
    }

    func run() async throws {
        logging.bootstrap()
        let logger = Logger(label: "augur.replay")
        let scenario = try Scenario.load(self.scenario)
        if let run = scenario.runs.first(where: { $0.edgeBandwidth != nil }), !testbed {
            throw ValidationError("run '\(run.name)' sets edge_bandwidth: only the namespace testbed (--testbed) has edge links to shape")
        }
        let configuration = try config.load()
        let name = URL(fileURLWithPath: self.scenario).deletingPathExtension().lastPathComponent
        let directory = URL(fileURLWithPath: output ?? "replay-results/\(name)")
        try ReplayOutput(directory: directory).prepare(runs: scenario.runs.map(\.name))
        let payloads = URL(fileURLWithPath: runtimes.payloads)
        try await ReplayPreparation(
            scenario: scenario, configuration: configuration, payloads: payloads, login: try RegistryAccess.login(configuration.topology)).prepare(dockerEdges: !testbed)
        let dnsEndpoint = dnsListen.flatMap(SocketEndpoint.init) ?? (testbed ? configuration.topology.dns.listen[0] : SocketEndpoint(address: .v4(0x7f00_0001), port: 5390))
        let site = try makeSite(configuration: configuration, dnsEndpoint: dnsEndpoint, logger: logger)
        let environment = ReplayEnvironment(configuration: configuration, site: site, dnsEndpoint: dnsEndpoint, payloads: payloads, logger: logger, progress: Self.emit)
        let replay = ScenarioReplay(scenario: scenario, name: name, directory: directory, environment: environment)
        Self.emit(scenario.headline + (testbed ? " on the namespace testbed" : ""))

        // SIGINT and SIGTERM cancel the runs; each run then removes what it started (its edge
        // instances, the core's baseline) before the command exits.
        let runs = Task { try await replay.run() }
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        let stop = Task {
            for await signal in signals {
                Self.emit("replay stopped by \(signal): removing what it started")
                runs.cancel()
            }
        }
        defer { stop.cancel() }
        let report: ReplayReport
        do {
            report = try await runs.value
        } catch {
            guard runs.isCancelled else { throw error }
            Self.emit("replay stopped: its edge instances and the core's baseline were removed; no report written")
            throw ExitCode(130)
        }
        try report.write(to: directory)
        Self.emit(report.summary)
        Self.emit("CSV, summary and figures: \(directory.path)/ (\(ReplayOutput.results.joined(separator: ", ")))")
        // The page's path comes last but one: the last line is the final verdict.
        let verdict = report.verdict.lines
        for line in verdict.dropLast() { Self.emit(line) }
        Self.emit("report: \(directory.appendingPathComponent(ReplayReport.pageFile).path)")
        if let last = verdict.last { Self.emit(last) }
    }

    /// Writes a line at once (unbuffered), so progress shows in a file or a pipe as it happens.
    @Sendable static func emit(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// The edges and users: this process on loopback, or the namespace testbed.
    private func makeSite(configuration: AugurConfiguration, dnsEndpoint: SocketEndpoint, logger: Logger) throws -> any ReplaySite {
        guard testbed else {
            let runtimes = runtimes
            let logins = try RegistryAccess.logins(configuration.topology)
            return InProcessSite(configuration: configuration, dnsEndpoint: dnsEndpoint) { node, state in
                runtimes.makeOperator(node: node, configuration: configuration, stateDirectory: state, logins: logins, logger: logger)
            }
        }
        let plan = try TestbedPlan(topology: configuration.topology, prefix: testbedPrefix)
        let executable: String
        do {
            executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        } catch {
            throw ValidationError("cannot tell where this executable is, to start the users with: \(error.localizedDescription)")
        }
        return TestbedSite(
            configuration: configuration, network: TestbedNetwork(plan: plan, logger: logger), links: try OperatorToken.links(configuration.topology),
            dnsEndpoint: dnsEndpoint, executable: executable,
            configurationArguments: ["--topology", config.topology, "--content", config.content] + (config.flavors.map { ["--flavors", $0] } ?? []))
    }
}
