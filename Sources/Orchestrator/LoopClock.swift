import Deadline
import Foundation
import Planning

/// The one clock the control loop decides by: its waits (the DNS grace before a removal, the
/// edge timeout, the reaction period), the moments it compares (when a deploy is expected
/// ready, which opens a DNS hold gate) and the dates it stamps on events and outcomes. A test
/// that moves its clock by hand moves all of them, so it steps the loop instead of waiting.
/// Only the tick's own cost is timed apart, on the machine's clock: it is a measurement.
public struct LoopClock: Sendable {
    /// The clock the loop waits on.
    public let clock: any Clock<Duration>
    private let sinceStart: @Sendable () -> Duration
    private let readDate: @Sendable () -> Date

    /// Waits and moments on `clock`; dates start at `origin` and move only with `clock`, so
    /// a test that moves the clock by hand moves the dates too.
    public init<C: Clock<Duration>>(_ clock: C, origin: Date) {
        self.init(clock) { [sinceStart = Self.stopwatch(clock)] in origin.addingTimeInterval(sinceStart().inSeconds) }
    }

    private init<C: Clock<Duration>>(_ clock: C, date: @escaping @Sendable () -> Date) {
        self.clock = clock
        sinceStart = Self.stopwatch(clock)
        readDate = date
    }

    /// The machine's: waits and moments on the continuous clock, dates from the system's
    /// calendar clock (so a stamp agrees with the interval times beside it in the store,
    /// even after the system clock was corrected).
    public static var machine: LoopClock { LoopClock(ContinuousClock()) { Date() } }

    /// Time since the clock was made: the loop's moments, comparable with one another.
    public var now: Duration { sinceStart() }

    /// The date to stamp a record with.
    public var date: Date { readDate() }

    /// The moment an event happened, as the loop's decisions take it.
    public var time: LoopTime { LoopTime(now: now, date: date) }

    public func sleep(for duration: Duration) async throws {
        try await clock.sleep(for: duration)
    }

    private static func stopwatch<C: Clock<Duration>>(_ clock: C) -> @Sendable () -> Duration {
        let start = clock.now
        return { start.duration(to: clock.now) }
    }
}
