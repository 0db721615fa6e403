import EdgeWire

/// Acting on the fleet: deploys followed until settled, removals after the DNS grace, and
/// what the edges answer to each.
extension LoopDecisions {
    /// Starts one planned or reactive action.
    mutating func start(_ action: ActionRecord, at time: LoopTime) -> [LoopAction] {
        switch action.kind {
        case .deploy:
            guard let edge = action.edge, edges.contains(edge), let flavor = action.flavor else {
                return [outcome(action.id, .failed, kind: .deploy, detail: "no operator for \(action.edge ?? "?")", at: time)]
            }
            var actions: [LoopAction] = []
            if let id = action.id {
                requested[id] = action
                let seconds = planner.builder.secondsToReady(content: action.content, flavor: flavor, edge: edge, fleet: fleet) ?? 0
                expected[action.content, default: [:]][id] = ExpectedReady(edge: edge, at: time.now + .milliseconds(Int64(seconds * 1_000)))
                actions += gate(action.content, at: time)
            }
            return actions + [.create(action, edge: edge, flavor: flavor)]
        case .drain:
            // Its address already left DNS with the plan's other drains (`act(on:at:)`, one table).
            guard let id = action.instance else { return [] }
            let row = fleet.members[id].map { record($0.instance, at: time) }
            return (row.map { [$0] } ?? []) + beginRemoval(id, action: action.id, at: time)
        }
    }

    /// `edge` answered the create of deploy `action`: the instance it made, which is then
    /// followed until it settles, or why it made none.
    public mutating func created(_ action: ActionRecord, edge: String, flavor: String, _ result: Result<EdgeInstance, any Error>, at time: LoopTime) -> [LoopAction] {
        if let id = action.id { requested[id] = nil }
        var actions: [LoopAction] = []
        let failure: String
        switch result {
        case .success(let created):
            if let reason = refusal(of: created, from: edge, at: time, into: &actions) {
                failure = RefusedReport(edge: edge, reason: reason).description
            } else {
                actions += observe(created, at: time)
                actions.append(outcome(action.id, .requested, kind: .deploy, instance: created.spec.id, at: time))
                actions.append(event("deploy", created.spec.id, "requested on \(edge) at \(created.spec.address): \(action.reason)", at: time))
                watched.insert(created.spec.id)
                return actions + [.follow(instance: created.spec.id, edge: edge, action: action.id)]
            }
        case .failure(let error):
            failure = "\(error)"
        }
        actions.append(outcome(action.id, .failed, kind: .deploy, detail: failure, at: time))
        actions.append(event("deploy", action.content, "deploy of \(flavor) on \(edge) failed: \(failure)", at: time))
        return actions + deployEnded(action.id, content: action.content, at: time)
    }

    /// The job following `id` up on `edge` ended: the instance settled ready or failed, or
    /// the job lost track of it (the next reconcile finds it again and follows it from where
    /// it is). An instance drained while it booted starts its removal now.
    public mutating func settled(_ id: String, edge: String, action: Int64?, _ result: Result<EdgeInstance, any Error>, at time: LoopTime) -> [LoopAction] {
        var actions: [LoopAction] = []
        let content = fleet.members[id]?.instance.spec.content
        switch result {
        case .success(let settled):
            if let reason = refusal(of: settled, from: edge, at: time, into: &actions) {
                actions.append(outcome(action, .failed, kind: .deploy, instance: id, detail: RefusedReport(edge: edge, reason: reason).description, at: time))
            } else {
                actions += observe(settled, at: time)
                if settled.phase == .ready {
                    let detail = settled.seconds["allocation"].map { String(format: "ready after %.3f s", $0) }
                    actions.append(outcome(action, .ready, kind: .deploy, instance: id, detail: detail, at: time))
                    actions.append(event("ready", id, "serving at \(settled.spec.address) on \(edge); answered by DNS", at: time))
                } else {
                    actions.append(outcome(action, .failed, kind: .deploy, instance: id, detail: settled.failure ?? "ended \(settled.phase.rawValue)", at: time))
                    actions.append(event("failed", id, "did not become ready: \(settled.failure ?? settled.phase.rawValue)", at: time))
                }
            }
        case .failure(let error):
            actions.append(.lostTrack(instance: id, error: "\(error)"))
        }
        watched.remove(id)
        if fleet.members[id]?.removing == true { actions += beginRemoval(id, action: nil, at: time) }
        return actions + deployEnded(action, content: content, at: time)
    }

    /// A deploy is no longer on its way: its content's hold gate follows.
    mutating func deployEnded(_ action: Int64?, content: String?, at time: LoopTime) -> [LoopAction] {
        guard let action, let content = content ?? expected.first(where: { $0.value[action] != nil })?.key else { return [] }
        expected[content]?[action] = nil
        return gate(content, at: time)
    }

    /// Starts the removal of `id` (out of DNS already): a job waits out the DNS grace, then has
    /// its edge drain and destroy it. `action`: the drain it answers for. An instance a job
    /// still follows is removed once that job ends.
    mutating func beginRemoval(_ id: String, action: Int64?, at time: LoopTime) -> [LoopAction] {
        if let action { drainActions[id] = action }
        guard let member = fleet.members[id], edges.contains(member.instance.spec.edge), !watched.contains(id) else { return [] }
        watched.insert(id)
        let grace = settings.dnsGraceSeconds
        let drain = settings.drainSeconds
        return [
            event("drain", id, "left DNS; destroyed after \(grace) s of TTL and at most \(drain) s of transfers", at: time),
            .remove(instance: id, edge: member.instance.spec.edge, grace: .milliseconds(Int64(grace * 1_000)), drainSeconds: drain),
        ]
    }

    /// The removal of `id` ended: the instance is gone, or it stays marked for removal and
    /// the next reconcile tries again.
    public mutating func removed(_ id: String, _ result: Result<EdgeInstance, any Error>, at time: LoopTime) -> [LoopAction] {
        watched.remove(id)
        switch result {
        case .success(let gone):
            let detail = gone.seconds["removal"].map { String(format: "removed in %.3f s", $0) }
            return observe(gone, at: time) + [outcome(drainActions.removeValue(forKey: id), .removed, kind: .drain, instance: id, detail: detail, at: time)]
        case .failure(let error):
            return [
                outcome(drainActions.removeValue(forKey: id), .failed, kind: .drain, instance: id, detail: "\(error)", at: time),
                event("drain", id, "removal failed, retried at the next interval: \(error)", at: time),
            ]
        }
    }
}
