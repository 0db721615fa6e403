import AugurModel
import DNSBalancer
import EdgeOperator
@testable import EdgeWire
import Foundation
import Metrics
@testable import Orchestrator
@testable import Planning
import TestSupport
import Testing

/// An edge reports only what it may: another edge's instances, addresses outside its pools,
/// contents and flavors the catalog does not have are refused, never answered.
@Suite struct ReportAdmissionTests {
    let configuration: AugurConfiguration

    /// The test configuration, with video1 no longer offered as MirageOS.
    init() throws {
        var configuration = try LoopBed.configuration()
        for index in configuration.catalog.contents.indices where configuration.catalog.contents[index].name == "video1" {
            configuration.catalog.contents[index].flavors.removeAll { $0 == "mirage" }
        }
        self.configuration = configuration
    }

    /// A ready video1 ClickOS instance at 127.11.3.`host` (edge-1's emulated pool), changed by `change`.
    static func reported(_ id: String, host: Int = 1, _ change: (inout InstanceSpec) -> Void = { _ in }) -> EdgeInstance {
        var instance = InstanceFixture.instance(id, phase: .ready, address: "127.11.3.\(host)")
        instance.spec.content = "video1"
        change(&instance.spec)
        return instance
    }

    static let forged: [(String, EdgeInstance)] = [
        ("names edge-2", reported("other-edge", host: 11) { $0.edge = "edge-2" }),
        ("outside every pool", reported("outside", host: 12) { $0.address = "10.0.0.1" }),
        ("in edge-2's pool", reported("neighbour", host: 13) { $0.address = "127.12.3.9" }),
        ("in the docker pool for an emulated instance", reported("wrong-pool", host: 14) { $0.address = "127.11.2.9" }),
        ("not an address", reported("garbage", host: 15) { $0.address = "127.11.3.1; rm" }),
        ("unknown content", reported("unknown-content", host: 16) { $0.content = "nope" }),
        ("unknown flavor", reported("unknown-flavor", host: 17) { $0.flavor = "ghost" }),
        ("a flavor the content does not offer", reported("not-offered", host: 18) { $0.flavor = "mirage" }),
        ("another port", reported("port", host: 19) { $0.port = 9 }),
    ]

    @Test func everyForgedFieldIsRefusedWithItsReasonAndAnHonestReportIsAdmitted() {
        let admission = ReportAdmission(configuration: configuration)
        #expect(admission.refusal(of: Self.reported("honest"), from: "edge-1") == nil)
        #expect(admission.refusal(of: Self.reported("video5-mirage") { $0.content = "video5"; $0.flavor = "mirage" }, from: "edge-1") == nil)
        for (what, instance) in Self.forged {
            #expect(admission.refusal(of: instance, from: "edge-1") != nil, "\(what): \(instance.spec)")
        }
        #expect(admission.refusal(of: Self.reported("honest"), from: "core") != nil, "the core is not an edge")
        #expect(admission.refusal(of: Self.reported("honest"), from: "edge-9") != nil, "an edge the topology does not have")
    }

    @Test func aLoopNeverAnswersWhatAnEdgeMayNotReport() async throws {
        let edge = MemoryEdge(node: try #require(configuration.topology.node(named: "edge-1")), flavors: configuration.flavors)
        let honest = Self.reported("honest")
        await edge.seed(honest)
        for (_, instance) in Self.forged { await edge.seed(instance) }
        let pools = try LoopBed.pools(configuration)
        let store = try StateStore.inMemory()
        let loop = ControlLoop(
            configuration: configuration, settings: LoopSettings(intervalSeconds: 2, trainingIntervals: 1, edgeFlavors: ["clickos"]),
            models: ["video1": .ema(span: 1)], edges: [edge], pools: pools, store: store, metricsFactory: NOOPMetricsHandler.instance, logger: LoopBed.logger)
        let (feed, input) = AsyncStream.makeStream(of: IntervalSnapshot.self)
        let run = Task { await loop.run(snapshots: feed) }
        defer { run.cancel() }
        input.yield(LoopBed.snapshot(0, lookups: 1))
        #expect(await LoopBed.eventually(60) { LoopBed.answered(pools, "video1").contains(honest.spec.address) })
        let forgedAddresses = Set(Self.forged.map(\.1.spec.address))
        #expect(LoopBed.answered(pools, "video1").isDisjoint(with: forgedAddresses), "answered: \(LoopBed.answered(pools, "video1"))")
        #expect(pools.contents.allSatisfy { $0.content != "nope" })
        #expect(Set(await loop.members().map(\.instance.spec.id)) == ["honest"], "only the honest report is a member")
        let refused = try store.events(limit: 100).filter { $0.kind == "refused" }.map(\.subject)
        #expect(Set(refused) == Set(Self.forged.map(\.1.spec.id)), "each refusal is in the event log once: \(refused)")
    }
}
