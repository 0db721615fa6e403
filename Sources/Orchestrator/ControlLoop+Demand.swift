import DNSBalancer
import Planning

/// Reading the reacting contents' demand within an interval.
extension ControlLoop {
    /// Reads the lookups every `reactEvery` of the loop's clock and whenever a lookup crosses
    /// a reacting content's threshold, until cancelled.
    nonisolated func watchDemand() async {
        let every = settings.reactEvery
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await _ in self.pools.counters.crossings { await self.react(crossing: true) }
            }
            group.addTask {
                while !Task.isCancelled {
                    do { try await self.clock.sleep(for: every) } catch { return }
                    await self.react(crossing: false)
                }
            }
        }
    }

    /// Hands the lookups so far to the decisions (see `LoopDecisions.demandRead`).
    /// `crossing`: a lookup passed a threshold; else a periodic read.
    public func react(crossing: Bool) async {
        guard !decisions.planner.reacting.isEmpty else { return }
        let counts = pools.counters.peek()
        let byRegion = pools.counters.peekByRegion()
        handle { $0.demandRead(counts, byRegion: byRegion, crossing: crossing, at: $1) }
    }
}
