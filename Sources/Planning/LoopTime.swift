import Foundation

/// A moment on the loop's one clock, as every decision takes it: `now` to compare moments
/// with one another (when a deploy is expected ready), `date` to stamp records with. Whoever
/// hands an event to `LoopDecisions` reads its clock once and passes the moment in; the
/// decisions read no clock of their own, so a test names the moment it means.
public struct LoopTime: Sendable, Hashable {
    public var now: Duration
    public var date: Date

    public init(now: Duration, date: Date) {
        self.now = now
        self.date = date
    }
}
