import EdgeWire

/// Reconciling with the edges: what each lists is the truth for its instances, with what an
/// edge may not report refused.
extension LoopDecisions {
    /// One round of edge lists, as asked: where each edge lists from (an edge without a
    /// cursor lists everything), and the fleet's generation when they were asked for.
    public struct ReconcileRound: Sendable {
        public let since: [String: InstanceCursor]
        let asOf: UInt64
    }

    /// What one edge answered: its list and its node's state, or why it did not.
    public typealias EdgeReport = Result<(InstanceList, NodeState), any Error>

    /// Starts a round: an edge that gave a cursor lists only what changed since, but for its
    /// turn at a whole list (and after it did not answer).
    public mutating func beginReconcile() -> ReconcileRound {
        let names = edges.sorted()
        let since = Dictionary(uniqueKeysWithValues: names.enumerated().compactMap { turn, name in
            (reconciles + turn) % settings.wholeListEvery == 0 ? nil : cursors[name].map { (name, $0) }
        })
        reconciles += 1
        return ReconcileRound(since: since, asOf: fleet.generation)
    }

    /// The round's answers: an edge that answered is the truth for its instances, one that
    /// did not has its instances taken out of DNS. A list applies to the fleet as it is when
    /// the list arrives: what a job observed meanwhile stands. Instances still on their way
    /// up or out get a job that follows them.
    public mutating func edgesListed(_ reports: [String: EdgeReport], in round: ReconcileRound, at time: LoopTime) -> [LoopAction] {
        var actions: [LoopAction] = []
        for (edge, result) in reports.sorted(by: { $0.key < $1.key }) {
            switch result {
            case .success(let (list, state)):
                cursors[edge] = list.cursor
                let instances = list.instances.filter { refusal(of: $0, from: edge, at: time, into: &actions) == nil }
                fleet.learn(state)
                if lostEdges.remove(edge) != nil { actions.append(event("edge", edge, "edge answers again; its ready instances are answered again", at: time)) }
                // What changed is kept: a report that repeats an instance's phase is not written again.
                let known = Dictionary(uniqueKeysWithValues: instances.compactMap { reported in
                    fleet.members[reported.spec.id].map { (reported.spec.id, (phase: $0.instance.phase, failure: $0.instance.failure, healthy: $0.instance.isHealthy)) }
                })
                let (changes, applied, vanished) = fleet.reconcile(edge: edge, report: instances, asOf: round.asOf, complete: list.complete)
                actions.append(.publish(changes))
                for instance in applied {
                    let before = known[instance.spec.id]
                    if before.map({ $0.phase != instance.phase || $0.failure != instance.failure || $0.healthy != instance.isHealthy }) ?? true {
                        actions.append(record(instance, at: time))
                    }
                    if let before, before.healthy != instance.isHealthy { actions.append(healthEvent(instance, at: time)) }
                }
                for instance in vanished {
                    actions.append(record(instance, at: time))
                    actions.append(event("gone", instance.spec.id, "\(edge) no longer has it", at: time))
                    if let drain = drainActions.removeValue(forKey: instance.spec.id) {
                        actions.append(outcome(drain, .removed, kind: .drain, instance: instance.spec.id, detail: "\(edge) no longer has it", at: time))
                    }
                }
                actions.append(.edgeReachable(edge, true))
            case .failure(let error):
                cursors[edge] = nil
                if lostEdges.insert(edge).inserted { actions.append(event("edge", edge, "edge unreachable; its instances leave DNS: \(error)", at: time)) }
                actions.append(.publish(fleet.lost(edge: edge)))
                actions.append(.edgeReachable(edge, false))
            }
        }
        for member in fleet.unsettled where !watched.contains(member.instance.spec.id) && !fleet.unreachable.contains(member.instance.spec.edge) {
            let id = member.instance.spec.id
            if member.removing {
                actions += beginRemoval(id, action: nil, at: time)
            } else if member.instance.phase == .pulling || member.instance.phase == .booting, edges.contains(member.instance.spec.edge) {
                watched.insert(id)
                actions.append(.follow(instance: id, edge: member.instance.spec.edge, action: nil))
            }
        }
        return actions
    }

    /// An instance's health changed: it leaves DNS (still deployed, not replaced) or comes back.
    private func healthEvent(_ instance: EdgeInstance, at time: LoopTime) -> LoopAction {
        let health = instance.health ?? InstanceHealth()
        let detail = health.healthy
            ? "healthy again after \(health.passes) probes passed; answered again"
            : "unhealthy after \(health.failures) probes failed in a row (\(health.lastFailure ?? "no reason given")); out of DNS, still deployed"
        return event("health", instance.spec.id, detail, at: time)
    }

    /// Why `instance`, as `edge` reported it, may not enter the fleet (nil: it may); a
    /// refusal is counted, and announced the first time for each instance and reason.
    mutating func refusal(of instance: EdgeInstance, from edge: String, at time: LoopTime, into actions: inout [LoopAction]) -> String? {
        guard let reason = admission.refusal(of: instance, from: edge) else { return nil }
        let firstTime = refusedReports.count < 1_024 && refusedReports.insert("\(edge) \(instance.spec.id) \(reason)").inserted
        actions.append(.refused(edge: edge, instance: instance.spec.id, reason: reason, firstTime: firstTime))
        if firstTime { actions.append(event("refused", instance.spec.id, "\(edge) reported it and it is not answered: \(reason)", at: time)) }
        return reason
    }
}
