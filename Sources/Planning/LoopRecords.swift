import Foundation
import Optimizer

/// One closed interval as the loop handled it: the lookups, whether the predictors were only
/// training, the forecasts made for the intervals after it, what could not be met, and the
/// loop's own cost. What `GET /v1/plans` and `augur status` show.
public struct IntervalRecord: Sendable, Hashable, Codable {
    public var interval: Int
    public var start: Date
    public var end: Date
    public var training: Bool
    public var lookups: [String: Int]
    /// Per content, the forecast for the next intervals (index 0: the next one).
    public var forecasts: [String: [ForecastStep]]
    public var unmet: [Unmet]
    public var actions: [ActionRecord]
    public var tickMilliseconds: Double
    /// Per content, per region: what the region's clients asked this interval, the share of
    /// the content's demand planned for the region, and its forecast (see `RegionalShares`).
    /// Nil without regions, and for intervals read back from the store (only the lookups are
    /// stored, as `RegionalCounts`, from which a restart rebuilds the shares).
    public var regions: [String: [String: RegionalDemand]]?

    public init(
        interval: Int, start: Date, end: Date, training: Bool, lookups: [String: Int], forecasts: [String: [ForecastStep]], unmet: [Unmet],
        actions: [ActionRecord], tickMilliseconds: Double, regions: [String: [String: RegionalDemand]]? = nil
    ) {
        self.regions = regions
        self.interval = interval
        self.start = start
        self.end = end
        self.training = training
        self.lookups = lookups
        self.forecasts = forecasts
        self.unmet = unmet
        self.actions = actions
        self.tickMilliseconds = tickMilliseconds
    }

    /// One content's demand from one region's clients.
    public struct RegionalDemand: Sendable, Hashable, Codable {
        /// Lookups the region's clients made in the interval.
        public var lookups: Int
        /// The share of the content's demand the plan put on the region.
        public var share: Double
        /// The next interval's forecast for the region: the content's times the share.
        public var forecast: Double

        public init(lookups: Int, share: Double, forecast: Double) {
            self.lookups = lookups
            self.share = share
            self.forecast = forecast
        }
    }

    /// One interval's forecast lookups.
    public struct ForecastStep: Sendable, Hashable, Codable {
        public var mean: Double
        public var standardError: Double

        public init(mean: Double, standardError: Double) {
            self.mean = mean
            self.standardError = standardError
        }
    }

    /// Demand the fleet could not meet in this interval.
    public struct Unmet: Sendable, Hashable, Codable {
        public var content: String
        public var missingInstances: Int
        public var reason: String

        public init(content: String, missingInstances: Int, reason: String) {
            self.content = content
            self.missingInstances = missingInstances
            self.reason = reason
        }
    }
}

/// One action of a plan and what became of it.
public struct ActionRecord: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Codable { case deploy, drain }

    /// What became of an action, in order; `failed` can end any step.
    public enum Outcome: String, Sendable, Codable {
        case planned, requested, ready, removed, failed
    }

    public var id: Int64?
    public var interval: Int
    public var kind: Kind
    public var content: String
    public var flavor: String?
    public var edge: String?
    public var instance: String?
    public var reason: String
    public var outcome: Outcome
    public var detail: String?
    public var updatedAt: Date

    public init(
        id: Int64? = nil, interval: Int, kind: Kind, content: String, flavor: String? = nil, edge: String? = nil, instance: String? = nil,
        reason: String, outcome: Outcome, detail: String? = nil, updatedAt: Date
    ) {
        self.id = id
        self.interval = interval
        self.kind = kind
        self.content = content
        self.flavor = flavor
        self.edge = edge
        self.instance = instance
        self.reason = reason
        self.outcome = outcome
        self.detail = detail
        self.updatedAt = updatedAt
    }
}

/// What the loop carries from one interval to the next besides the predictors.
public struct LoopProgress: Sendable, Hashable, Codable {
    /// Intervals closed so far (the next one's index).
    public var intervals = 0
    public var memory = PlannerMemory()

    public init() {}
}

/// What served a content as an interval began: its answered instances (the core's static
/// ones included) and the lookups per interval they serve together.
public struct ReadyCapacity: Sendable, Hashable, Codable {
    public var instances: Int
    public var lookups: Int

    public init(instances: Int, lookups: Int) {
        self.instances = instances
        self.lookups = lookups
    }
}

/// How an action ended (or how far it got), and when.
public struct ActionOutcome: Sendable, Hashable {
    public var action: Int64
    public var outcome: ActionRecord.Outcome
    public var instance: String?
    public var detail: String?
    public var at: Date

    public init(action: Int64, outcome: ActionRecord.Outcome, instance: String?, detail: String?, at: Date) {
        self.action = action
        self.outcome = outcome
        self.instance = instance
        self.detail = detail
        self.at = at
    }
}

/// Something that happened, kept for the operators' event log and sent on the feed.
public struct LoopEvent: Sendable, Hashable, Codable {
    public var at: Date
    public var kind: String
    public var subject: String
    public var message: String

    public init(at: Date, kind: String, subject: String, message: String) {
        self.at = at
        self.kind = kind
        self.subject = subject
        self.message = message
    }
}
