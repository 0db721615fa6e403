@testable import Planning
import Testing

/// Reading lookups within an interval: a steady arrival is carried to the interval's end, a
/// burst that has already arrived is not.
@Suite struct DemandWindowTests {
    @Test func steadyArrivalsAreCarriedToTheIntervalsEnd() {
        var window = DemandWindow()
        // 10 lookups a second, read every second of a 30 s interval.
        #expect(window.read(["a": 10], windowSeconds: 1, intervalSeconds: 30)["a"] == 10, "one window is no sustained rate yet")
        #expect(window.read(["a": 20], windowSeconds: 1, intervalSeconds: 30)["a"] == 20)
        #expect(window.read(["a": 30], windowSeconds: 1, intervalSeconds: 30)["a"] == Double(30 + 10 * 27))
    }

    @Test func aBurstThatHasArrivedIsNotTakenForARate() {
        var window = DemandWindow()
        _ = window.read(["a": 0], windowSeconds: 1, intervalSeconds: 30)
        #expect(window.read(["a": 50], windowSeconds: 1, intervalSeconds: 30)["a"] == 50, "a burst split across a window's edge")
        #expect(window.read(["a": 100], windowSeconds: 1, intervalSeconds: 30)["a"] == 100)
        #expect(window.read(["a": 100], windowSeconds: 1, intervalSeconds: 30)["a"] == 100)
        #expect(window.current(["a": 130])["a"] == 130, "between reads: the counts where higher than the projection")
    }

    @Test func aNewIntervalStartsFromZero() {
        var window = DemandWindow()
        _ = window.read(["a": 50], windowSeconds: 1, intervalSeconds: 30)
        _ = window.read(["a": 100], windowSeconds: 1, intervalSeconds: 30)
        window.startInterval()
        #expect(window.current(["a": 3])["a"] == 3)
        // The counters were drained before the loop heard of it: fewer than last read, all new.
        var late = DemandWindow()
        _ = late.read(["a": 96], windowSeconds: 1, intervalSeconds: 30)
        _ = late.read(["a": 100], windowSeconds: 1, intervalSeconds: 30)
        #expect(late.read(["a": 4], windowSeconds: 1, intervalSeconds: 30)["a"] == Double(4 + 4 * 27))
    }
}
