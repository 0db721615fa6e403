/// The reacting contents' lookups as read within the open interval: each periodic read
/// carries the recent rate to the interval's end. The rate carried is the lowest of the last
/// `sustainedWindows` windows', so a burst that has already arrived (busy windows among
/// quiet ones, even one split across a window's edge) is not taken for a rate that lasts,
/// while users arriving steadily are. Pure.
public struct DemandWindow: Sendable {
    /// Windows a rate must last to be carried forward.
    static let sustainedWindows = 3
    private var last: [String: Int] = [:]
    private var rates: [String: [Double]] = [:]
    private var projected: [String: Double] = [:]
    /// Seconds of the interval the periodic reads have covered.
    private var elapsed = 0.0

    public init() {}

    /// A new interval: its counters start from zero.
    public mutating func startInterval() {
        last = [:]
        projected = [:]
        elapsed = 0
    }

    /// A periodic read, `windowSeconds` after the last: each content's interval projected.
    public mutating func read(_ counts: [String: Int], windowSeconds: Double, intervalSeconds: Double) -> [String: Double] {
        elapsed += windowSeconds
        let remaining = max(0, intervalSeconds - elapsed)
        for (content, count) in counts {
            // Fewer than at the last read: the interval closed in between, so all of it is new.
            let delta = count >= (last[content] ?? 0) ? count - (last[content] ?? 0) : count
            let recent = (rates[content] ?? []).suffix(Self.sustainedWindows - 1) + [Double(delta) / max(windowSeconds, 1e-3)]
            let sustained = recent.count == Self.sustainedWindows ? recent.min() ?? 0 : 0
            projected[content] = Double(count) + sustained * remaining
            last[content] = count
            rates[content] = Array(recent)
        }
        return projected
    }

    /// Between periodic reads (a lookup crossed a threshold): the counts, or the last projection where higher.
    public func current(_ counts: [String: Int]) -> [String: Double] {
        counts.mapValues(Double.init).merging(projected) { max($0, $1) }
    }
}
