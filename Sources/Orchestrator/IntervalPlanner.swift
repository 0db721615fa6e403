import AugurModel
import Foundation
import Optimizer

/// What the loop decides when an interval closes, without any I/O or clock: the counts go to
/// the predictors, and once training is over the optimizer plans on their forecasts and the
/// fleet. The control loop runs it between reconciling and acting; the loop benchmark runs
/// exactly the same code on synthetic fleets.
public struct IntervalPlanner: Sendable {
    public var builder: PlanInputBuilder
    public let optimizer: CachingOptimizer
    public let settings: LoopSettings

    public init(configuration: AugurConfiguration, settings: LoopSettings) {
        builder = PlanInputBuilder(configuration: configuration, edgeFlavors: settings.edgeFlavors)
        optimizer = CachingOptimizer(policy: settings.policy)
        self.settings = settings
    }

    /// Closes interval `progress.intervals` with `lookups` per content. The record's actions
    /// are planned, not yet started; its tick time is left to the caller, who has the clock.
    public func close(
        lookups: [String: Int], start: Date, end: Date, book: inout DemandBook, progress: inout LoopProgress, fleet: Fleet, operated: Set<String>
    ) -> IntervalRecord {
        book.observe(lookups)
        let interval = progress.intervals
        progress.intervals += 1
        let training = progress.intervals <= settings.trainingIntervals
        let forecasts = book.forecasts(horizon: settings.horizon)
        var plan = Plan()
        if !training {
            let input = builder.input(intervalSeconds: settings.intervalSeconds, demand: forecasts, fleet: fleet, operated: operated)
            plan = optimizer.plan(input, interval: interval, memory: &progress.memory)
        }
        return IntervalRecord(
            interval: interval, start: start, end: end, training: training, lookups: lookups,
            forecasts: Dictionary(uniqueKeysWithValues: forecasts.map { ($0.content, $0.steps.map { .init(mean: $0.mean, standardError: $0.standardError) }) }),
            unmet: plan.unmet.map { .init(content: $0.content, missingInstances: $0.missingInstances, reason: $0.reason) },
            actions: plan.actions.compactMap { Self.record($0, interval: interval, at: end, fleet: fleet) },
            tickMilliseconds: 0)
    }

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
