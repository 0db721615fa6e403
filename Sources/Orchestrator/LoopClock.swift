import Foundation

/// The one clock the control loop decides by: its waits (the DNS grace before a removal, the
/// edge timeout, the reaction period), the moments it compares (when a deploy is expected
/// ready, which opens a DNS hold gate) and the dates it stamps on events and outcomes. A test
/// that moves its clock by hand moves all of them, so it steps the loop instead of waiting.
/// Only the tick's own cost is timed apart, on the machine's clock: it is a measurement.
public struct LoopClock: Sendable {
    /// The clock the loop waits on.
    public let clock: any Clock<Duration>
    /// The date at the clock's origin (when the loop was made, unless told otherwise).
    public let origin: Date
    private let sinceOrigin: @Sendable () -> Duration

    public init<C: Clock<Duration>>(_ clock: C, origin: Date = Date()) {
        self.clock = clock
        self.origin = origin
        let start = clock.now
        sinceOrigin = { start.duration(to: clock.now) }
    }

    /// Time since the origin: the loop's moments, comparable with one another.
    public var now: Duration { sinceOrigin() }

    /// The date the clock reads now.
    public var date: Date { origin.addingTimeInterval(now.inSeconds) }

    public func sleep(for duration: Duration) async throws {
        try await clock.sleep(for: duration)
    }
}

extension Duration {
    /// The duration in seconds, fractions included.
    var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
