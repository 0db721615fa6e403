import AugurModel
import Foundation
import Workload

/// What clients saw in one repeat of a run, over the rounds after training: the figures a
/// replay is judged on, and the mean of several repeats in the same shape.
public struct RunFigures: Sendable, Hashable, Codable {
    /// Users who resolved when the ready instances were already full (see `RoundRecord`).
    public var usersOverCapacity: Double
    /// Rounds in which fewer instances served than the users needed.
    public var underProvisionedRounds: Double
    /// Instances beyond the users' need, times the round's seconds, summed.
    public var surplusInstanceSeconds: Double
    public var meanDeliverySeconds: Double?
    public var p95DeliverySeconds: Double?
    public var failed: Double
    public var requests: Double
    /// Edge instances deployed (training included), emulated and real.
    public var emulatedInstances: Double
    public var realInstances: Double
    /// Deploys that reactions made after training (within a round, not planned).
    public var reactiveDeploys: Double
    /// The failed downloads by kind (`http-403`, `refused`, …), nil in summaries written before it was kept.
    public var failureCauses: [String: Double]?
    /// Each client site's figures, by region (nil: the pattern has no sites).
    public var sites: [String: SiteFigures]?

    enum CodingKeys: String, CodingKey {
        case usersOverCapacity = "users_over_capacity"
        case underProvisionedRounds = "under_provisioned_rounds"
        case surplusInstanceSeconds = "surplus_instance_seconds"
        case meanDeliverySeconds = "mean_delivery_s"
        case p95DeliverySeconds = "p95_delivery_s"
        case failed, requests
        case emulatedInstances = "emulated_instances"
        case realInstances = "real_instances"
        case reactiveDeploys = "reactive_deploys"
        case failureCauses = "failure_causes"
        case sites
    }

    public init(
        usersOverCapacity: Double, underProvisionedRounds: Double, surplusInstanceSeconds: Double, meanDeliverySeconds: Double?, p95DeliverySeconds: Double?,
        failed: Double, requests: Double, emulatedInstances: Double = 0, realInstances: Double = 0, reactiveDeploys: Double = 0,
        failureCauses: [String: Double]? = nil, sites: [String: SiteFigures]? = nil
    ) {
        self.usersOverCapacity = usersOverCapacity
        self.underProvisionedRounds = underProvisionedRounds
        self.surplusInstanceSeconds = surplusInstanceSeconds
        self.meanDeliverySeconds = meanDeliverySeconds
        self.p95DeliverySeconds = p95DeliverySeconds
        self.failed = failed
        self.requests = requests
        self.emulatedInstances = emulatedInstances
        self.realInstances = realInstances
        self.reactiveDeploys = reactiveDeploys
        self.failureCauses = failureCauses
        self.sites = sites
    }

    /// One repeat's figures from its records.
    public init(_ records: RunRecords, roundSeconds: Double) {
        let acting = records.rounds.filter { !$0.training }
        let totals = acting.flatMap(\.totals).sorted()
        let emulated = records.deploys.filter { $0.truth == .emulated }.count
        self.init(
            usersOverCapacity: Double(acting.reduce(0) { $0 + $1.usersOverCapacity }),
            underProvisionedRounds: Double(acting.filter(\.underProvisioned).count),
            surplusInstanceSeconds: acting.reduce(0) { $0 + Double($1.surplus) * roundSeconds },
            meanDeliverySeconds: Replay.mean(totals), p95DeliverySeconds: percentile95(totals),
            failed: Double(acting.reduce(0) { $0 + $1.failures.values.reduce(0, +) }), requests: Double(acting.reduce(0) { $0 + $1.users }),
            emulatedInstances: Double(emulated), realInstances: Double(records.deploys.count - emulated), reactiveDeploys: Double(records.reactiveDeploys),
            failureCauses: acting.reduce(into: [:]) { causes, round in
                for (kind, count) in round.failures { causes[kind, default: 0] += Double(count) }
            },
            sites: SiteFigures.bySite(acting.flatMap(\.sites)))
    }

    /// The mean of each figure over `repeats` (nil where no repeat has it).
    public static func mean(_ repeats: [RunFigures]) -> RunFigures {
        func average(_ value: (RunFigures) -> Double) -> Double { Replay.mean(repeats.map(value)) ?? 0 }
        return RunFigures(
            usersOverCapacity: average(\.usersOverCapacity), underProvisionedRounds: average(\.underProvisionedRounds),
            surplusInstanceSeconds: average(\.surplusInstanceSeconds), meanDeliverySeconds: Replay.mean(repeats.compactMap(\.meanDeliverySeconds)),
            p95DeliverySeconds: Replay.mean(repeats.compactMap(\.p95DeliverySeconds)), failed: average(\.failed), requests: average(\.requests),
            emulatedInstances: average(\.emulatedInstances), realInstances: average(\.realInstances), reactiveDeploys: average(\.reactiveDeploys),
            failureCauses: Set(repeats.flatMap { ($0.failureCauses ?? [:]).keys }).reduce(into: [:]) { causes, kind in
                causes[kind] = average { $0.failureCauses?[kind] ?? 0 }
            },
            sites: SiteFigures.mean(repeats.map(\.sites)))
    }
}

/// What one client site's users saw over a run's acting rounds: the figures per region.
public struct SiteFigures: Sendable, Hashable, Codable {
    public var users: Double
    /// Users an instance took beyond its capacity in their round (`SiteRound`).
    public var usersOverCapacity: Double
    public var meanDeliverySeconds: Double?
    /// The share of answered users whom their own region's edges answered.
    public var locality: Double?
    public var failed: Double

    enum CodingKeys: String, CodingKey {
        case users, locality, failed
        case usersOverCapacity = "users_over_capacity"
        case meanDeliverySeconds = "mean_delivery_s"
    }

    public init(users: Double, usersOverCapacity: Double, meanDeliverySeconds: Double?, locality: Double?, failed: Double) {
        self.users = users
        self.usersOverCapacity = usersOverCapacity
        self.meanDeliverySeconds = meanDeliverySeconds
        self.locality = locality
        self.failed = failed
    }

    /// Each site's figures from its rounds (nil for none).
    static func bySite(_ rounds: [SiteRound]) -> [String: SiteFigures]? {
        guard !rounds.isEmpty else { return nil }
        return Dictionary(grouping: rounds, by: \.site).mapValues { rounds in
            let answered = rounds.reduce(0) { $0 + $1.answered }
            return SiteFigures(
                users: Double(rounds.reduce(0) { $0 + $1.users }), usersOverCapacity: Double(rounds.reduce(0) { $0 + $1.overCapacity }),
                meanDeliverySeconds: Replay.mean(rounds.flatMap(\.totals)), locality: answered == 0 ? nil : Double(rounds.reduce(0) { $0 + $1.local }) / Double(answered),
                failed: Double(rounds.reduce(0) { $0 + $1.failed }))
        }
    }

    /// The mean of each site's figures over repeats (nil when no repeat had sites).
    static func mean(_ repeats: [[String: SiteFigures]?]) -> [String: SiteFigures]? {
        let present = repeats.compactMap { $0 }
        guard !present.isEmpty else { return nil }
        return Set(present.flatMap(\.keys)).reduce(into: [:]) { table, site in
            let figures = present.compactMap { $0[site] }
            func average(_ value: (SiteFigures) -> Double) -> Double { Replay.mean(figures.map(value)) ?? 0 }
            table[site] = SiteFigures(
                users: average(\.users), usersOverCapacity: average(\.usersOverCapacity), meanDeliverySeconds: Replay.mean(figures.compactMap(\.meanDeliverySeconds)),
                locality: Replay.mean(figures.compactMap(\.locality)), failed: average(\.failed))
        }
    }
}

/// One run of a scenario over its repeats: what `summary.json` holds for it (the means at
/// the top, each repeat's figures in `per_repeat`) and what the text table shows.
public struct RunSummary: Sendable, Hashable, Codable {
    public var name: String
    public var model: String
    public var policy: ScalingPolicy
    public var edgeFlavor: String
    public var edgeBandwidth: String?
    public var repeats: Int
    public var figures: RunFigures
    public var perRepeat: [RunFigures]

    enum CodingKeys: String, CodingKey {
        case name, model, policy, repeats
        case edgeFlavor = "edge_flavor"
        case edgeBandwidth = "edge_bandwidth"
        case perRepeat = "per_repeat"
    }

    public init(run: Scenario.Run, perRepeat: [RunFigures]) {
        name = run.name
        model = run.model
        policy = run.policy
        edgeFlavor = run.edgeFlavor
        edgeBandwidth = run.edgeBandwidth
        repeats = perRepeat.count
        figures = RunFigures.mean(perRepeat)
        self.perRepeat = perRepeat
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        model = try container.decode(String.self, forKey: .model)
        policy = try container.decode(ScalingPolicy.self, forKey: .policy)
        edgeFlavor = try container.decode(String.self, forKey: .edgeFlavor)
        edgeBandwidth = try container.decodeIfPresent(String.self, forKey: .edgeBandwidth)
        repeats = try container.decode(Int.self, forKey: .repeats)
        perRepeat = try container.decode([RunFigures].self, forKey: .perRepeat)
        figures = try RunFigures(from: decoder)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(model, forKey: .model)
        try container.encode(policy, forKey: .policy)
        try container.encode(edgeFlavor, forKey: .edgeFlavor)
        try container.encodeIfPresent(edgeBandwidth, forKey: .edgeBandwidth)
        try container.encode(repeats, forKey: .repeats)
        try container.encode(perRepeat, forKey: .perRepeat)
        // The means sit beside the run's name, as the figures of the run.
        try figures.encode(to: encoder)
    }

    /// How far apart its repeats were on a figure (0 with one repeat).
    public func spread(_ value: (RunFigures) -> Double?) -> Double {
        let values = perRepeat.compactMap(value)
        guard let low = values.min(), let high = values.max() else { return 0 }
        return high - low
    }
}

/// `summary.json`: the scenario and every run's figures.
public struct ReplaySummaryFile: Sendable, Hashable, Codable {
    public var scenario: String
    public var runs: [RunSummary]

    public init(scenario: String, runs: [RunSummary]) {
        self.scenario = scenario
        self.runs = runs
    }
}
