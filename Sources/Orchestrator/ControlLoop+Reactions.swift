import AugurModel
import Deadline
import DNSBalancer
import Foundation
import Planning

/// What the loop does within an interval: reading the reacting contents' demand, reacting
/// to it, and the DNS hold gates.
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

    /// Deploys, within the interval, what the reacting contents' demand so far needs beyond
    /// what serves or is on its way. `crossing`: a lookup passed a threshold (the counts are
    /// taken as they are); else a periodic read, `reactEvery` after the last.
    public func react(crossing: Bool) async {
        let reacting = planner.reacting
        guard !reacting.isEmpty else { return }
        let counts = pools.counters.peek().filter { reacting.contains($0.key) }
        let projected = crossing
            ? demandWindow.current(counts)
            : demandWindow.read(counts, windowSeconds: settings.reactEvery.inSeconds, intervalSeconds: settings.intervalSeconds)
        let actions = planner.react(
            lookups: counts, projected: projected, at: clock.date, progress: &progress, fleet: fleet, operated: Set(edges.keys),
            requested: Array(requested.values), earlier: reactions)
        guard !actions.isEmpty else { return }
        reactions += actions.count
        reactiveDeploys += actions.count
        for action in actions {
            do { try store.recordAction(action) } catch {
                logger.error("cannot store a reactive action", metadata: ["action.id": "\(action.id ?? 0)", "error": "\(error)"])
            }
            event("react", action.content, "\(action.reason)\(crossing ? " (a lookup passed what serves)" : "")")
            start(action)
        }
        armThresholds()
        flush()
    }

    /// Has the DNS counters call for a check at the lookup past each reacting content's capacity.
    func armThresholds() {
        pools.counters.watch(planner.thresholds(fleet: fleet, operated: Set(edges.keys), requested: Array(requested.values)))
    }

    /// Tells DNS whether lookups of `content` past what its ready instances serve may be held:
    /// only while a deploy is on its way and expected ready within the content's hold bound.
    func refreshGate(_ content: String) {
        let bound = planner.policies[content].flatMap(settings.holdBound)
        guard bound != nil || gated.contains(content), let gate = pools.counters.gate(content) else { return }
        guard let bound else {
            gated.remove(content)
            gate.update(readyLookups: .max, readyIn: nil, bound: nil)
            return
        }
        gated.insert(content)
        let now = clock.now
        let readyIn = expected[content]?.values.min().map { $0 - now }.flatMap { $0 > .zero ? $0 : nil }
        gate.update(readyLookups: readyCapacity(content).lookups, readyIn: readyIn, bound: bound)
    }

    /// What serves `content` now: its answered instances and the core's static ones, and the
    /// lookups per interval they serve.
    func readyCapacity(_ content: String) -> ReadyCapacity {
        let instances = fleet.answeredByContent[content, default: 0] + staticInstances[content, default: 0]
        return ReadyCapacity(instances: instances, lookups: instances * (planner.builder.profiles[content]?.capacityPerInstance ?? 0))
    }
}
