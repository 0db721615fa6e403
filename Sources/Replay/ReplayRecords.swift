import EdgeOperator
import EdgeWire
import Foundation
import Workload

/// One round of a replay run as the clients saw it and as the system was provisioned when
/// they arrived: the row of the per-round CSV.
public struct RoundRecord: Sendable {
    public var run: String
    /// Which repeat of the run (from 1).
    public var repetition: Int
    public var round: Int
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

    /// Users who resolved when the ready instances were already full: the k-th user of the
    /// round to resolve counts if k exceeds the ready instances × capacity at that moment.
    var usersOverCapacity: Int
    /// Each client site's users (none when the pattern has no sites).
    var sites: [SiteRound]

    var underProvisioned: Bool { serving < needed }
    var surplus: Int { max(0, serving - needed) }

    public static let header = "run,repeat,round,training,users,succeeded,failed,failures,mean_total_s,p95_total_s,mean_response_s,mean_download_s,mean_throughput_mbs,forecast,needed,serving,under_provisioned,surplus,users_over_capacity,answered_edge_instances,answered_per_edge,answered_by_truth,live_per_edge,machine_cpu_percent,edge_cpu_percent"

    public var csv: String {
        func number(_ value: Double?) -> String { value.map { String(format: "%.4f", $0) } ?? "" }
        func perEdge(_ table: [String: Int]) -> String { table.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";") }
        let failed = failures.values.reduce(0, +)
        return [
            run, "\(repetition)", "\(round)", "\(training)", "\(users)", "\(succeeded)", "\(failed)", failures.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ";"),
            number(meanTotal), number(p95Total), number(meanResponse), number(meanDownload), number(meanThroughput), number(forecast),
            "\(needed)", "\(serving)", "\(underProvisioned)", "\(surplus)", "\(usersOverCapacity)", "\(answeredPerEdge.values.reduce(0, +))",
            perEdge(answeredPerEdge), InstanceTruth.tally(answeredTruth), perEdge(livePerEdge), number(machineCPU), number(edgeCPU),
        ].joined(separator: ",")
    }

    public init(
        run: String, repetition: Int = 1, round: Int, training: Bool, users: Int, results: [UserResult], answeredPerEdge: [String: Int],
        answeredTruth: [InstanceTruth], livePerEdge: [String: Int], forecast: Double?, capacity: Int, baseline: Int, machineCPU: Double?, edgeCPU: Double,
        timeline: CapacityTimeline = CapacityTimeline(), sites: [SiteRound] = []
    ) {
        self.run = run
        self.repetition = repetition
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
        usersOverCapacity = timeline.usersOverCapacity(results, capacity: capacity)
        self.sites = sites
    }

    public static let siteHeader = "run,repeat,round,training,site,users,failed,users_over_capacity,answered,local,locality,mean_total_s"

    /// The round's rows of `sites.csv`, one per client site.
    public var siteCSV: [String] {
        sites.map { site in
            [
                run, "\(repetition)", "\(round)", "\(training)", site.site, "\(site.users)", "\(site.failed)", "\(site.overCapacity)", "\(site.answered)", "\(site.local)",
                site.locality.map { String(format: "%.4f", $0) } ?? "", mean(site.totals).map { String(format: "%.4f", $0) } ?? "",
            ].joined(separator: ",")
        }
    }
}

/// The instances DNS answered for the replayed content over a run (the core's baseline
/// included), as sampled: what each user found when it resolved.
public struct CapacityTimeline: Sendable {
    private var samples: [(at: Date, ready: Int)] = []

    public init() {}

    /// A sample; only changes are kept.
    public mutating func record(_ ready: Int, at time: Date) {
        guard samples.last?.ready != ready else { return }
        samples.append((time, ready))
    }

    /// The ready instances at `time`: the last sample at or before it (the first before any).
    public func ready(at time: Date) -> Int {
        var low = 0, high = samples.count
        while low < high {
            let middle = (low + high) / 2
            if samples[middle].at <= time { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? (samples.first?.ready ?? 0) : samples[low - 1].ready
    }

    /// The users who resolved beyond capacity: in the order they resolved, the k-th counts if
    /// k exceeds the ready instances × `capacity` at its moment. Users whose lookup failed
    /// never resolved; their failure is counted apart.
    public func usersOverCapacity(_ results: [UserResult], capacity: Int) -> Int {
        let resolved = results.compactMap(\.resolvedAt).sorted()
        return resolved.enumerated().filter { index, time in index + 1 > ready(at: time) * capacity }.count
    }
}

/// One edge instance a run deployed, as its operator timed it: how long the image took to
/// cross the edge's link and how long from the request until it served.
public struct DeployRecord: Sendable {
    public var run: String
    public var repetition: Int
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
    public init?(run: String, repetition: Int = 1, _ instance: EdgeInstance) {
        guard let ready = instance.seconds["allocation"] ?? instance.timeline.allocationSeconds else { return nil }
        self.run = run
        self.repetition = repetition
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

    public static let header = "run,repeat,instance,edge,flavor,truth,pulled,image_bytes,pull_s,ready_s,timing"

    public var csv: String {
        [
            run, "\(repetition)", instance, edge, flavor, truth.rawValue, "\(pulled)", imageBytes.map(String.init) ?? "", pullSeconds.map { String(format: "%.3f", $0) } ?? "",
            String(format: "%.3f", readySeconds), timingNote.map { "\"\($0)\"" } ?? "hardware",
        ].joined(separator: ",")
    }
}

/// What one repeat of a run produced: its rounds, the edge instances it deployed, and how
/// many of those deploys reactions made after training.
public struct RunRecords: Sendable {
    public var rounds: [RoundRecord]
    public var deploys: [DeployRecord]
    public var reactiveDeploys: Int

    public init(rounds: [RoundRecord], deploys: [DeployRecord], reactiveDeploys: Int = 0) {
        self.rounds = rounds
        self.deploys = deploys
        self.reactiveDeploys = reactiveDeploys
    }
}

/// The arithmetic mean, or nil for no values.
public func mean(_ values: [Double]) -> Double? {
    values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
}

/// The 95th percentile (nearest rank) of sorted values.
public func percentile95(_ sorted: [Double]) -> Double? {
    sorted.isEmpty ? nil : sorted[min(sorted.count - 1, max(0, Int((Double(sorted.count) * 0.95).rounded(.up)) - 1))]
}
