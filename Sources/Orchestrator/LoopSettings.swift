import Optimizer

/// How the control loop runs: the interval, the training season, the optimizer's policy, how
/// far ahead it forecasts, and how it removes instances and talks to edges.
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
    /// Deploy only these flavors, in this order of preference (nil: each content's own list).
    public var edgeFlavors: [String]?

    public init(
        intervalSeconds: Double, trainingIntervals: Int = 10, policy: PlanPolicy = .paper, horizon: Int = 1,
        dnsGraceSeconds: Double = 5, drainSeconds: Double = 30, edgeTimeout: Duration = .seconds(5), edgeFlavors: [String]? = nil
    ) {
        self.intervalSeconds = intervalSeconds
        self.trainingIntervals = trainingIntervals
        self.policy = policy
        self.horizon = max(1, horizon)
        self.dnsGraceSeconds = dnsGraceSeconds
        self.drainSeconds = drainSeconds
        self.edgeTimeout = edgeTimeout
        self.edgeFlavors = edgeFlavors
    }
}
