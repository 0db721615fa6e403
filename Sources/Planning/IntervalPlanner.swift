import AugurModel
import Foundation
import Optimizer

/// What the loop decides without any I/O or clock. When an interval closes, the counts go to
/// the predictors, and once training is over the optimizer plans on their forecasts (a
/// `reactive` content's on its last count) and the fleet. Within an interval, the reacting
/// contents' lookups so far are checked against their ready capacity. The control loop runs
/// it between reconciling and acting; the loop benchmark runs exactly the same code on
/// synthetic fleets.
public struct IntervalPlanner: Sendable {
    public var builder: PlanInputBuilder
    public let optimizer: CachingOptimizer
    public let scaler: ReactiveScaler
    public let settings: LoopSettings
    /// Each content's scaling policy (the settings', then run-time changes).
    public var policies: [String: ScalingPolicy] {
        didSet { reacting = Self.reacting(policies) }
    }
    /// The contents whose lookups are read within an interval (kept with `policies`: every
    /// reaction and threshold asks for it).
    public private(set) var reacting: Set<String>

    public init(configuration: AugurConfiguration, settings: LoopSettings) {
        builder = PlanInputBuilder(configuration: configuration, edgeFlavors: settings.edgeFlavors)
        optimizer = CachingOptimizer(policy: settings.policy)
        scaler = ReactiveScaler(margin: settings.reactionMargin)
        self.settings = settings
        policies = Dictionary(uniqueKeysWithValues: configuration.catalog.contents.map { ($0.name, settings.scalingByContent[$0.name] ?? settings.scaling) })
        reacting = Self.reacting(policies)
    }

    private static func reacting(_ policies: [String: ScalingPolicy]) -> Set<String> {
        Set(policies.filter(\.value.reacts).keys)
    }

    /// Closes interval `progress.intervals` with `lookups` per content. The record's actions
    /// are planned, not yet started; its tick time is left to the caller, who has the clock.
    public func close(
        lookups: [String: Int], start: Date, end: Date, book: inout DemandBook, progress: inout LoopProgress, fleet: Fleet, operated: Set<String>,
        requested: [ActionRecord] = [], regional: RegionalShares? = nil, regionalLookups: [String: [String: Int]] = [:]
    ) -> IntervalRecord {
        book.observe(lookups)
        let shares = regional?.shares ?? [:]
        let interval = progress.intervals
        progress.intervals += 1
        let training = progress.intervals <= settings.trainingIntervals
        let forecasts = book.forecasts(horizon: settings.horizon)
        var plan = Plan()
        if !training {
            // A reactive content plans on what it saw, as Knative scales on observed load.
            let demand = forecasts.map { forecast in
                var planned = policies[forecast.content]?.predicts == false
                    ? ContentForecast(content: forecast.content, steps: [.init(mean: Double(lookups[forecast.content] ?? 0))]) : forecast
                planned.regionShares = shares[forecast.content] ?? [:]
                return planned
            }
            let input = builder.input(intervalSeconds: settings.intervalSeconds, demand: demand, fleet: fleet, operated: operated, requested: requested)
            plan = optimizer.plan(input, interval: interval, memory: &progress.memory)
        }
        return IntervalRecord(
            interval: interval, start: start, end: end, training: training, lookups: lookups,
            forecasts: Dictionary(uniqueKeysWithValues: forecasts.map { ($0.content, $0.steps.map { .init(mean: $0.mean, standardError: $0.standardError) }) }),
            unmet: plan.unmet.map { .init(content: $0.content, missingInstances: $0.missingInstances, reason: $0.reason) },
            actions: plan.actions.compactMap { Self.record($0, interval: interval, at: end, fleet: fleet) },
            tickMilliseconds: 0, regions: Self.regional(shares: shares, lookups: regionalLookups, forecasts: forecasts))
    }

    /// Per content and region: the lookups counted, the share planned for and its forecast.
    private static func regional(shares: [String: [String: Double]], lookups: [String: [String: Int]], forecasts: [ContentForecast]) -> [String: [String: IntervalRecord.RegionalDemand]]? {
        guard !shares.isEmpty || !lookups.isEmpty else { return nil }
        let next = Dictionary(forecasts.map { ($0.content, $0.steps.first?.mean ?? 0) }, uniquingKeysWith: { first, _ in first })
        var regional: [String: [String: IntervalRecord.RegionalDemand]] = [:]
        for content in Set(shares.keys).union(lookups.keys) {
            let counted = lookups[content] ?? [:]
            let split = shares[content] ?? [:]
            for region in Set(counted.keys).union(split.keys) {
                let share = split[region] ?? 0
                regional[content, default: [:]][region] = .init(lookups: counted[region] ?? 0, share: share, forecast: (next[content] ?? 0) * share)
            }
        }
        return regional
    }

    /// The deploys that meet, within interval `progress.intervals`, the reacting contents'
    /// demand so far (`lookups` counted, `projected` to the interval's end, split by region
    /// as `regionalLookups` were made), numbered after
    /// the `earlier` reactions of the interval. The stabilization window starts for each
    /// content deployed.
    public func react(
        lookups: [String: Int], projected: [String: Double], at time: Date, progress: inout LoopProgress, fleet: Fleet, operated: Set<String>,
        requested: [ActionRecord], earlier: Int, regionalLookups: [String: [String: Int]] = [:]
    ) -> [ActionRecord] {
        let demand = reacting.sorted().map { content in
            let counted = lookups[content] ?? 0
            // This interval's own split: a surge in one region shows in it at once.
            let shares = counted > 0 ? (regionalLookups[content] ?? [:]).mapValues { min(1, Double($0) / Double(counted)) } : [:]
            return ReactiveScaler.Demand(content: content, lookups: counted, projected: projected[content] ?? 0, regionShares: shares)
        }
        let input = builder.input(intervalSeconds: settings.intervalSeconds, demand: [], fleet: fleet, operated: operated, requested: requested)
        let interval = progress.intervals
        let plan = scaler.plan(input, demand: demand)
        return plan.actions.enumerated().compactMap { index, action in
            guard var record = Self.record(action, interval: interval, at: time, fleet: fleet) else { return nil }
            progress.memory.lastReaction[record.content] = interval
            record.id = Int64(interval) << 32 | Int64(Self.reactionNumbers + earlier + index)
            return record
        }
    }

    /// The lookups past which each reacting content's next lookup starts a check at once.
    public func thresholds(fleet: Fleet, requested: [ActionRecord]) -> [String: Int] {
        builder.serving(reacting, fleet: fleet, requested: requested).reduce(into: [:]) { thresholds, entry in
            if let profile = builder.profiles[entry.key] { thresholds[entry.key] = scaler.threshold(serving: entry.value, capacityPerInstance: profile.capacityPerInstance) }
        }
    }

    /// Reactive actions are numbered from here within their interval, after the plan's.
    static let reactionNumbers = 1 << 20

    private static func record(_ action: PlanAction, interval: Int, at time: Date, fleet: Fleet) -> ActionRecord? {
        switch action {
        case .deploy(let content, let flavor, let node, let reason):
            return ActionRecord(interval: interval, kind: .deploy, content: content, flavor: flavor, edge: node, reason: reason, outcome: .planned, updatedAt: time)
        case .drain(let id, let reason):
            guard let spec = fleet.members[id]?.instance.spec else { return nil }
            return ActionRecord(interval: interval, kind: .drain, content: spec.content, flavor: spec.flavor, edge: spec.edge, instance: id, reason: reason, outcome: .planned, updatedAt: time)
        }
    }
}
