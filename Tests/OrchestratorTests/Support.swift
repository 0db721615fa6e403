import AugurModel
import DNSBalancer
import EdgeLink
import EdgeOperator
import EdgeWire
import Foundation
import Logging
import Metrics
import Orchestrator
import Planning
import RealServices
import Testing
import TestSupport

/// The orchestrator's tests' testbed: the shipped configuration with a short TTL, in-process
/// edge operators on the emulated runtime (real nginx processes, ClickOS timing), and the
/// ClickOS artifact of the paper's size in the real registry.
enum LoopBed {
    static let logger = Testbed.logger("augur.orchestrator.test")

    static func configuration() throws -> AugurConfiguration {
        var configuration = try RepositoryFiles.decode()
        configuration.topology.dns.ttl = 1
        return configuration
    }

    /// Registry up, `content`'s payload written, and its stand-in artifact for a unikernel
    /// `flavor` pushed under the tag an operator pulls by default. Returns the payloads directory.
    static func prepare(_ configuration: AugurConfiguration, content name: String, flavor flavorName: String = "clickos") async throws -> URL {
        try await Testbed.script("registry", ["start", Testbed.registry])
        let item = try #require(configuration.catalog.item(named: name))
        let payloads = Testbed.temporaryDirectory("payloads")
        let payload = Data(try #require(GeneratedPayload(item)).bytes())
        try payload.write(to: payloads.appendingPathComponent(name))
        let flavor = try #require(configuration.flavors[flavorName])
        let reference = try #require(ImageReference("\(configuration.topology.registry)/augur/\(flavorName):\(name)"))
        _ = try await UnikernelArtifact.push(
            kernel: UnikernelArtifact.standIn(payload: payload, flavor: flavor, contentBytes: item.sizeBytes),
            config: .init(flavor: flavorName, content: name), to: reference)
        return payloads
    }

    /// An in-process operator for `edge` on the emulated runtime, in a fresh state directory.
    static func emulatedEdge(_ edge: String, configuration: AugurConfiguration, payloads: URL) throws -> EdgeOperator {
        var node = try #require(configuration.topology.node(named: edge))
        let state = Testbed.temporaryDirectory("state-\(edge)")
        node.operatorSettings = OperatorSettings(stateDirectory: state.path, nodeName: edge)
        let driver = EmulatedDriver(flavors: configuration.flavors, payloads: payloads, stateDirectory: state)
        var settings = EdgeOperator.Settings(configuration: configuration, node: node)
        settings.bootTimeout = .seconds(20)
        return EdgeOperator(settings: settings, drivers: [driver], logger: logger)
    }

    static func loop(
        _ configuration: AugurConfiguration, settings: LoopSettings, models: [String: ModelChoice], edges: [any EdgeConnection], pools: DNSPools, store: StateStore
    ) -> ControlLoop {
        ControlLoop(configuration: configuration, settings: settings, models: models, edges: edges, pools: pools, store: store, metricsFactory: NOOPMetricsHandler.instance, logger: logger)
    }

    static func pools(_ configuration: AugurConfiguration) throws -> DNSPools {
        try DNSPools(settings: ZoneSettings(configuration.topology), contents: ContentPools.staticPools(configuration))
    }

    /// The addresses the pools answer for `content`, as text.
    static func answered(_ pools: DNSPools, _ content: String) -> Set<String> {
        Set(pools.contents.filter { $0.content == content }.flatMap { $0.flavors.flatMap(\.addresses) }.map { $0.map(String.init).joined(separator: ".") })
    }

    /// A closed 2 s interval with `lookups` of video1.
    static func snapshot(_ index: Int, lookups: Int) -> IntervalSnapshot {
        let start = Date(timeIntervalSince1970: 1_000_000 + Double(index) * 2)
        return IntervalSnapshot(index: index, start: start, end: start + 2, counts: DemandCounts(contents: ["video1": ContentDemand(total: lookups)]))
    }

    /// Polls `condition` every 50 ms for at most `seconds`.
    static func eventually(_ seconds: Double, _ condition: () async throws -> Bool) async rethrows -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1_000))
        while ContinuousClock.now < deadline {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }
}

/// Every test that runs real nginx instances and the registry runs in this suite, one at a
/// time, and never while `EdgeServices` runs (`.realServices`): they share the edges'
/// address pools and the registry.
@Suite(.serialized, .realServices, .timeLimit(.minutes(5)))
struct LoopServices {}
