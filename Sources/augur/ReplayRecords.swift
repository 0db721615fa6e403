import EdgeOperator
import Foundation
import Workload

/// One round of a replay run as the clients saw it and as the system was provisioned when
/// they arrived: the row of the per-round CSV.
struct RoundRecord: Sendable {
    var run: String
    var round: Int
    var training: Bool
    var users: Int
    var succeeded: Int
    var failures: [String: Int]
    /// Every successful user's total delivery time, sorted.
    var totals: [Double]
    var meanTotal: Double?
    var p95Total: Double?
    var meanResponse: Double?
    var meanDownload: Double?
    var meanThroughput: Double?
    /// Edge instances DNS answered when the users arrived, per edge.
    var answeredPerEdge: [String: Int]
    /// What the answered edge instances really were (real Xen guest, real container, emulated).
    var answeredTruth: [InstanceTruth]
    /// Edge instances alive (any phase) at the end of the round, per edge.
    var livePerEdge: [String: Int]
    /// The forecast the loop made for this round.
    var forecast: Double?
    /// Instances the users needed (⌈users / capacity⌉) and those that served (edges + core).
    var needed: Int
    var serving: Int
    var machineCPU: Double?
    var edgeCPU: Double

    var underProvisioned: Bool { serving < needed }
    var surplus: Int { max(0, serving - needed) }

    static let header = "run,round,training,users,succeeded,failed,failures,mean_total_s,p95_total_s,mean_response_s,mean_download_s,mean_throughput_mbs,forecast,needed,serving,under_provisioned,surplus,answered_edge_instances,answered_per_edge,answered_by_truth,live_per_edge,machine_cpu_percent,edge_cpu_percent"

    var csv: String {
        func number(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "" }
        func perEdge(_ table: [String: Int]) -> String { table.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";") }
        let failed = failures.values.reduce(0, +)
        return [
            run, "\(round)", "\(training)", "\(users)", "\(succeeded)", "\(failed)", failures.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";"),
            number(meanTotal), number(p95Total), number(meanResponse), number(meanDownload), number(meanThroughput), number(forecast),
            "\(needed)", "\(serving)", "\(underProvisioned)", "\(surplus)", "\(answeredPerEdge.values.reduce(0, +))",
            perEdge(answeredPerEdge), InstanceTruth.tally(answeredTruth), perEdge(livePerEdge), number(machineCPU), number(edgeCPU),
        ].joined(separator: ",")
    }

    init(
        run: String, round: Int, training: Bool, users: Int, results: [UserResult], answeredPerEdge: [String: Int], answeredTruth: [InstanceTruth],
        livePerEdge: [String: Int], forecast: Double?, capacity: Int, baseline: Int, machineCPU: Double?, edgeCPU: Double
    ) {
        self.run = run
        self.round = round
        self.training = training
        self.users = users
        let good = results.filter { $0.failure == nil }
        succeeded = good.count
        failures = Dictionary(grouping: results.compactMap(\.failure), by: \.kind).mapValues(\.count)
        totals = good.compactMap(\.totalSeconds).sorted()
        meanTotal = mean(totals)
        p95Total = percentile95(totals)
        meanResponse = mean(good.compactMap(\.responseSeconds))
        meanDownload = mean(good.compactMap(\.downloadSeconds))
        meanThroughput = mean(good.compactMap(\.throughput))
        self.answeredPerEdge = answeredPerEdge
        self.answeredTruth = answeredTruth
        self.livePerEdge = livePerEdge
        self.forecast = forecast
        needed = Int((Double(users) / Double(max(1, capacity))).rounded(.up))
        serving = baseline + answeredPerEdge.values.reduce(0, +)
        self.machineCPU = machineCPU
        self.edgeCPU = edgeCPU
    }
}

/// One edge instance a run deployed, as its operator timed it: how long the image took to
/// cross the edge's link and how long from the request until it served.
struct DeployRecord: Sendable {
    var run: String
    var instance: String
    var edge: String
    var flavor: String
    var pulled: Bool
    var imageBytes: Int?
    var pullSeconds: Double?
    var readySeconds: Double
    var truth: InstanceTruth
    /// Why its times are only functional, where they are (a nested Xen host).
    var timingNote: String?

    /// From the operator's own measurements (`seconds`: a remote timeline's dates arrive in
    /// whole seconds), or the timeline where it has none.
    init?(run: String, _ instance: EdgeInstance) {
        guard let ready = instance.seconds["allocation"] ?? instance.timeline.allocationSeconds else { return nil }
        self.run = run
        self.instance = instance.spec.id
        edge = instance.spec.edge
        flavor = instance.spec.flavor
        pulled = instance.image?.pulled ?? false
        imageBytes = instance.image?.bytes
        pullSeconds = instance.seconds["pull"] ?? instance.timeline.pullSeconds
        readySeconds = ready
        truth = instance.truth
        timingNote = instance.timingNote
    }

    static let header = "run,instance,edge,flavor,truth,pulled,image_bytes,pull_s,ready_s,timing"

    var csv: String {
        [
            run, instance, edge, flavor, truth.rawValue, "\(pulled)", imageBytes.map(String.init) ?? "", pullSeconds.map { String(format: "%.3f", $0) } ?? "",
            String(format: "%.3f", readySeconds), timingNote.map { "\"\($0)\"" } ?? "hardware",
        ].joined(separator: ",")
    }
}

/// What a run produced: its rounds and the edge instances it deployed.
struct RunRecords: Sendable {
    var rounds: [RoundRecord]
    var deploys: [DeployRecord]
}

/// A run's figures after training: what the summary table shows.
struct RunSummary: Sendable {
    var run: String
    var underProvisionedRounds: Int
    var underProvisionedHighRounds: Int
    var overProvisionedInstanceSeconds: Double
    var overProvisionedLowInstanceSeconds: Double
    var meanTotal: Double?
    var p95Total: Double?
    var failed: Int
    var requests: Int
    /// Edge instances deployed (training included), and the mean time the first deploy of
    /// each edge took, whose image crossed the edge's link: pull, and request to ready.
    var deploys: Int
    var meanFirstPullSeconds: Double?
    var meanFirstReadySeconds: Double?
    /// The deployed instances by what really ran them, and why any of their times are only functional.
    var deployTruth: String
    var timingNotes: [String]

    init(run: String, records: RunRecords, roundSeconds: Double, highUsers: Int) {
        self.run = run
        let rounds = records.rounds
        let acting = rounds.filter { !$0.training }
        underProvisionedRounds = acting.filter(\.underProvisioned).count
        underProvisionedHighRounds = acting.filter { $0.underProvisioned && $0.users >= highUsers }.count
        overProvisionedInstanceSeconds = acting.reduce(0) { $0 + Double($1.surplus) * roundSeconds }
        overProvisionedLowInstanceSeconds = acting.filter { $0.users < highUsers }.reduce(0) { $0 + Double($1.surplus) * roundSeconds }
        let totals = acting.flatMap(\.totals).sorted()
        meanTotal = mean(totals)
        p95Total = percentile95(totals)
        failed = acting.reduce(0) { $0 + $1.failures.values.reduce(0, +) }
        requests = acting.reduce(0) { $0 + $1.users }
        deploys = records.deploys.count
        let firsts = records.deploys.filter(\.pulled)
        meanFirstPullSeconds = mean(firsts.compactMap(\.pullSeconds))
        meanFirstReadySeconds = mean(firsts.map(\.readySeconds))
        deployTruth = InstanceTruth.tally(records.deploys.map(\.truth))
        timingNotes = Array(Set(records.deploys.compactMap(\.timingNote))).sorted()
    }
}

/// The arithmetic mean, or nil for no values.
func mean(_ values: [Double]) -> Double? {
    values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
}

/// The 95th percentile (nearest rank) of sorted values.
func percentile95(_ sorted: [Double]) -> Double? {
    sorted.isEmpty ? nil : sorted[min(sorted.count - 1, max(0, Int((Double(sorted.count) * 0.95).rounded(.up)) - 1))]
}
