import AugurModel
import EdgeOperator
@testable import EdgeWire
import Foundation
import Orchestrator
@testable import Replay
import Testing
import TestSupport
import Workload

/// The replay's records say what really served each round and deploy: a real Xen guest, a
/// real container or emulated, with a nested Xen host's functional-timing note beside its times.
@Suite struct ReplayRecordTests {
    static let note = "functional timing: Xen nested under QEMU (software emulation here), not comparable with hardware"

    static func instance(runtime: RuntimeKind, flavor: String, emulated: Bool, edge: String, note: String? = nil) -> EdgeInstance {
        let spec = InstanceSpec(
            id: "video5-\(flavor)-\(edge)", edge: edge, content: "video5", flavor: flavor, runtime: runtime,
            image: "10.200.0.1:5000/augur/\(flavor):video5", address: "10.214.1.65", port: 8080)
        var instance = EdgeInstance(spec: spec, requested: Date(timeIntervalSince1970: 0), emulated: emulated, timingNote: note)
        instance.image = ImagePreparation(pulled: true, bytes: 14_620_881)
        instance.seconds = ["allocation": 28.84, "pull": 2.57, "boot": 26.28]
        return instance
    }

    @Test func deploysCSVCarriesTheLabelAndTheTimingNote() throws {
        let guest = try #require(DeployRecord(run: "ema", Self.instance(runtime: .xen, flavor: "xen-linux", emulated: false, edge: "edge-4", note: Self.note)))
        let clickos = try #require(DeployRecord(run: "ema", Self.instance(runtime: .emulated, flavor: "clickos", emulated: true, edge: "edge-1")))
        #expect(DeployRecord.header.split(separator: ",").contains("truth"))
        #expect(guest.csv == "ema,1,video5-xen-linux-edge-4,edge-4,xen-linux,real-xen-guest,true,14620881,2.570,28.840,\"\(Self.note)\"")
        #expect(clickos.csv.hasSuffix(",clickos,emulated,true,14620881,2.570,28.840,hardware"))
        let figures = RunFigures(RunRecords(rounds: [], deploys: [guest, clickos]), roundSeconds: 30)
        #expect(figures.realInstances == 1 && figures.emulatedInstances == 1)
    }

    @Test func aRoundSaysWhatItsAnsweredInstancesWere() throws {
        let record = RoundRecord(
            run: "ema", round: 7, training: false, users: 80, results: [], answeredPerEdge: ["edge-1": 1, "edge-4": 1],
            answeredTruth: [.emulated, .realXenGuest], livePerEdge: ["edge-1": 1, "edge-4": 1], forecast: 52, capacity: 20, baseline: 1,
            machineCPU: nil, edgeCPU: 0)
        #expect(ReplayRun.line(record).contains("[edge-1=1 edge-4=1 (real-xen-guest=1 emulated=1)]"), "\(ReplayRun.line(record))")
        let columns = RoundRecord.header.split(separator: ",", omittingEmptySubsequences: false)
        let values = record.csv.split(separator: ",", omittingEmptySubsequences: false)
        let index = try #require(columns.firstIndex(of: "answered_by_truth"))
        #expect(values[index] == "real-xen-guest=1;emulated=1")
    }
}

/// Per client site: each instance takes its capacity of users a round, whichever site they
/// come from; a user is local when its own region's edges answered it.
@Suite struct SiteRoundTests {
    static let at = Date(timeIntervalSince1970: 1_000)

    static func user(_ address: String?, _ second: Double, failed: Bool = false) -> UserResult {
        UserResult(
            address: address, resolvedAt: address.map { _ in at.addingTimeInterval(second) }, responseSeconds: 0.1, downloadSeconds: 0.2 + second,
            bytes: 1, failure: failed ? .http(503) : nil)
    }

    @Test func usersPastAnInstancesCapacityAreOverItAndLocalityCountsTheirRegionsEdges() throws {
        let topology = try RepositoryFiles.decode().topology
        #expect(topology.node(serving: "127.11.3.7") == "edge-1" && topology.node(serving: "127.13.3.7") == "edge-3" && topology.node(serving: "10.0.0.1") == nil)
        // Capacity 2: 127.11.3.7 is given four users (north's two first), so the last two are over.
        let north = [Self.user("127.11.3.7", 0), Self.user("127.11.3.7", 1), Self.user(nil, 0, failed: true)]
        let south = [Self.user("127.11.3.7", 2), Self.user("127.11.3.7", 3, failed: true), Self.user("127.13.3.7", 4)]
        let rounds = SiteRound.account(
            [("north", north), ("south", south)], regionEdges: ["north": ["edge-1"], "south": ["edge-3"]], capacity: 2, node: topology.node(serving:))
        let (n, s) = (rounds[0], rounds[1])
        #expect(n.site == "north" && n.users == 3 && n.answered == 2 && n.local == 2 && n.overCapacity == 0 && n.failed == 1 && n.locality == 1)
        #expect(s.site == "south" && s.users == 3 && s.answered == 3 && s.local == 1 && s.overCapacity == 2 && s.failed == 1)
        #expect(abs((s.locality ?? 0) - 1.0 / 3) < 1e-9 && s.totals.count == 2 && n.totals.count == 2)
        let record = RoundRecord(
            run: "regional", round: 3, training: false, users: 6, results: north + south, answeredPerEdge: [:], answeredTruth: [], livePerEdge: [:], forecast: nil,
            capacity: 2, baseline: 1, machineCPU: nil, edgeCPU: 0, sites: rounds)
        #expect(record.siteCSV.count == 2 && record.siteCSV[1].hasPrefix("regional,1,3,false,south,3,1,2,3,1,0.3333,"), "\(record.siteCSV)")
        let figures = try #require(RunFigures(RunRecords(rounds: [record], deploys: []), roundSeconds: 3).sites)
        #expect(figures["south"]?.usersOverCapacity == 2 && figures["north"]?.locality == 1 && figures["south"]?.users == 3)
        #expect(ReplayRun.line(record).contains("south: 3 users, 33% local, 2 over capacity"), "\(ReplayRun.line(record))")
    }
}

/// `augur replay --output DIR` clears only what an earlier replay wrote there.
@Suite struct ReplayOutputTests {
    static func folder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("augur-output-\(UUID().uuidString.prefix(8))")
    }

    @Test func aFolderWithOtherFilesIsRefusedAndKeepsThem() throws {
        let directory = Self.folder()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let precious = directory.appendingPathComponent("Package.swift")
        try Data("precious".utf8).write(to: precious)
        #expect(throws: (any Error).self) { try ReplayOutput(directory: directory).prepare(runs: ["ema"]) }
        #expect(try String(contentsOf: precious, encoding: .utf8) == "precious")
    }

    @Test func anEarlierReplaysResultsAreClearedAndNothingElse() throws {
        let directory = Self.folder()
        try ReplayOutput(directory: directory).prepare(runs: ["ema"])
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("ema/data"), withIntermediateDirectories: true)
        try Data("old".utf8).write(to: directory.appendingPathComponent("rounds.csv"))
        try Data("mine".utf8).write(to: directory.appendingPathComponent("notes.txt"))
        try ReplayOutput(directory: directory).prepare(runs: ["sarima"])
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("ema").path))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("rounds.csv").path))
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("notes.txt").path), "not the replay's: kept")
    }
}
