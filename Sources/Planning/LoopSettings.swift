import AugurModel
import Optimizer

/// How the control loop runs: the interval, the training season, the optimizer's policy, how
/// far ahead it forecasts, how it removes instances and talks to edges, and how it reacts
/// within an interval.
public struct LoopSettings: Sendable {
    public var intervalSeconds: Double
    /// Closed intervals that only train the predictors (the paper: the first pattern cycle).
    public var trainingIntervals: Int
    public var policy: PlanPolicy
    /// Forecast steps handed to the optimizer (1 unless the policy looks ahead).
    public var horizon: Int
    /// Seconds a removed instance waits after leaving DNS before it is deleted: clients may
    /// hold the answer that long (the zone's TTL).
    public var dnsGraceSeconds: Double
    /// At most this long for in-flight transfers to finish before the instance is destroyed.
    public var drainSeconds: Double
    /// An edge that does not list its instances within this is treated as unreachable.
    public var edgeTimeout: Duration
    /// Each edge lists everything once in this many reconciles (the edges take turns); between
    /// them it lists only what changed since its last list. A whole list brings what a change
    /// cannot (the instances' usage readings) and bounds how long anything missed stays wrong.
    /// 1: always whole.
    public var wholeListEvery: Int
    /// Deploy only these flavors, in this order of preference (nil: each content's own list).
    public var edgeFlavors: [String]?
    /// How capacity follows demand, for every content unless `scalingByContent` names it.
    public var scaling: ScalingPolicy
    public var scalingByContent: [String: ScalingPolicy]
    /// How often, within an interval, the lookups of a reacting content are read (default: a
    /// fifteenth of the interval, 2 s at 30 s).
    public var reactEvery: Duration
    /// How far a reacting content's demand estimate must exceed its ready capacity.
    public var reactionMargin: Double
    /// How long DNS may hold a lookup past ready capacity while an instance is on its way
    /// (`HoldGate`): for every content when set (zero: never), else 300 ms for hybrid ones.
    public var hold: Duration?

    public init(
        intervalSeconds: Double, trainingIntervals: Int = 10, policy: PlanPolicy = .paper, horizon: Int = 1,
        dnsGraceSeconds: Double = 5, drainSeconds: Double = 30, edgeTimeout: Duration = .seconds(5), wholeListEvery: Int = 10, edgeFlavors: [String]? = nil,
        scaling: ScalingPolicy = .predictive, scalingByContent: [String: ScalingPolicy] = [:], reactEvery: Duration? = nil, reactionMargin: Double = 0.25,
        hold: Duration? = nil
    ) {
        self.intervalSeconds = intervalSeconds
        self.trainingIntervals = trainingIntervals
        self.policy = policy
        self.horizon = max(1, horizon)
        self.dnsGraceSeconds = dnsGraceSeconds
        self.drainSeconds = drainSeconds
        self.edgeTimeout = edgeTimeout
        self.wholeListEvery = max(1, wholeListEvery)
        self.edgeFlavors = edgeFlavors
        self.scaling = scaling
        self.scalingByContent = scalingByContent
        self.reactEvery = reactEvery ?? .milliseconds(Int64((intervalSeconds * 1_000 / 15).rounded()))
        self.reactionMargin = reactionMargin
        self.hold = hold
    }

    /// The longest hold for a content with `policy` (nil: never held).
    public func holdBound(_ policy: ScalingPolicy) -> Duration? {
        let bound = hold ?? (policy == .hybrid ? .milliseconds(300) : nil)
        return bound.flatMap { $0 > .zero ? $0 : nil }
    }
}
