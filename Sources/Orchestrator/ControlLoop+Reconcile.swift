import EdgeLink
import EdgeWire
import Foundation
import Logging
import Planning

/// Reconciling with the edges: what each lists is the truth for its instances, with what an
/// edge may not report refused.
extension ControlLoop {
    /// Lists every edge (in parallel, bounded); an edge that answers is the truth for its
    /// instances, one that does not has its instances taken out of DNS. An edge that gave a
    /// cursor lists only what changed since, but for its turn at a whole list (and after it
    /// did not answer). A list applies to the fleet as it is when the list arrives: what a job
    /// observed meanwhile stands. Instances still on their way up or out get a job that
    /// follows them. What it learns is left pending for the caller to store.
    func reconcile() async {
        let timeout = settings.edgeTimeout
        let clock = clock.clock
        let asOf = fleet.generation
        let names = edges.keys.sorted()
        let since = Dictionary(uniqueKeysWithValues: names.enumerated().compactMap { turn, name in
            (reconciles + turn) % settings.wholeListEvery == 0 ? nil : cursors[name].map { (name, $0) }
        })
        reconciles += 1
        // The node's state too: its runtimes, and the images it has (an eviction drops them).
        let reports = await Self.listEdges(edges, since: since, timeout: timeout, on: clock)
        for (edge, result) in reports.sorted(by: { $0.key < $1.key }) {
            switch result {
            case .success(let (list, state)):
                cursors[edge] = list.cursor
                let instances = list.instances.filter { refusal(of: $0, from: edge) == nil }
                fleet.learn(state)
                if lostEdges.remove(edge) != nil { event("edge", edge, "edge answers again; its ready instances are answered again") }
                // The store keeps what changed: a report that repeats an instance's phase is not written again.
                let known = Dictionary(uniqueKeysWithValues: instances.compactMap { reported in
                    fleet.members[reported.spec.id].map { (reported.spec.id, ($0.instance.phase, $0.instance.failure)) }
                })
                let (changes, applied, vanished) = fleet.reconcile(edge: edge, report: instances, asOf: asOf, complete: list.complete)
                apply(changes)
                for instance in applied where known[instance.spec.id].map({ $0 != (instance.phase, instance.failure) }) ?? true { persist(instance) }
                for instance in vanished {
                    persist(instance)
                    event("gone", instance.spec.id, "\(edge) no longer has it")
                    if let drain = drainActions.removeValue(forKey: instance.spec.id) {
                        outcome(drain, .removed, kind: .drain, instance: instance.spec.id, detail: "\(edge) no longer has it")
                    }
                }
                metrics.edgeReachable(edge, true)
            case .failure(let error):
                cursors[edge] = nil
                if lostEdges.insert(edge).inserted { event("edge", edge, "edge unreachable; its instances leave DNS: \(error)") }
                apply(fleet.lost(edge: edge))
                metrics.edgeReachable(edge, false)
            }
        }
        for member in fleet.unsettled where !watched.contains(member.instance.spec.id) && !fleet.unreachable.contains(member.instance.spec.edge) {
            if member.removing {
                enqueueRemoval(member.instance.spec.id, action: nil)
            } else if member.instance.phase == .pulling || member.instance.phase == .booting {
                follow(member.instance.spec.id, edge: member.instance.spec.edge, action: nil)
            }
        }
    }

    /// Why `instance`, as `edge` reported it, may not enter the fleet (nil: it may); a refusal
    /// is counted, and logged (with an event) the first time for each instance.
    func refusal(of instance: EdgeInstance, from edge: String) -> String? {
        guard let reason = admission.refusal(of: instance, from: edge) else { return nil }
        metrics.refusedReport(edge: edge)
        if refusedReports.count < 1_024, refusedReports.insert("\(edge) \(instance.spec.id) \(reason)").inserted {
            logger.warning("refused what an edge reported", metadata: ["edge.id": "\(edge)", "instance.id": "\(instance.spec.id)", "reason": "\(reason)"])
            event("refused", instance.spec.id, "\(edge) reported it and it is not answered: \(reason)")
        }
        return reason
    }

    func admit(_ instance: EdgeInstance, from edge: String) throws(RefusedReport) {
        if let reason = refusal(of: instance, from: edge) { throw RefusedReport(edge: edge, reason: reason) }
    }

    /// What arrives while the edges are listed: one edge's answer, or the deadline.
    private enum Arrival: Sendable {
        case report(String, Result<(InstanceList, NodeState), any Error>)
        case deadline
    }

    /// Every edge's list and node state, asked all at once under one deadline: an edge that
    /// has not answered when `timeout` passes is a failure (`LoopError.edgeTimeout`), its
    /// call cancelled. One timer for the whole round, not one per edge.
    static func listEdges(
        _ edges: [String: any EdgeConnection], since: [String: InstanceCursor], timeout: Duration, on clock: any Clock<Duration>
    ) async -> [String: Result<(InstanceList, NodeState), any Error>] {
        await withTaskGroup(of: Arrival.self) { group in
            for (name, edge) in edges {
                let cursor = since[name]
                group.addTask {
                    do { return .report(name, .success((try await edge.instances(since: cursor), try await edge.node()))) } catch { return .report(name, .failure(error)) }
                }
            }
            group.addTask {
                try? await clock.sleep(for: timeout)
                return .deadline
            }
            var collected: [String: Result<(InstanceList, NodeState), any Error>] = [:]
            while collected.count < edges.count, case .report(let name, let result)? = await group.next() {
                collected[name] = result
            }
            group.cancelAll()
            for name in edges.keys where collected[name] == nil { collected[name] = .failure(LoopError.edgeTimeout(timeout)) }
            return collected
        }
    }
}
