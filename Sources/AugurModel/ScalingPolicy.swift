/// How capacity follows demand for a content. `predictive` provisions each interval for the
/// forecast (the paper); `reactive` scales to the demand it sees, within the interval, and
/// plans each interval on the last count (what Knative does, without a forecast); `hybrid`
/// does both: the forecast provisions ahead, and a surge no forecast saw is met within the
/// interval.
public enum ScalingPolicy: String, Sendable, Hashable, Codable, CaseIterable {
    case predictive, reactive, hybrid

    /// Whether the loop reads the DNS counters within an interval and deploys on a surge.
    public var reacts: Bool { self != .predictive }
    /// Whether each interval's plan uses the forecast (else the last interval's count).
    public var predicts: Bool { self != .reactive }
}
