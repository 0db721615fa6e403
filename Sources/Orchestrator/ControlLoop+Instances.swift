import EdgeLink
import EdgeWire
import Foundation
import Planning

/// Acting on the fleet: deploys followed until settled, and removals after the DNS grace.
extension ControlLoop {
    func start(_ action: ActionRecord) {
        switch action.kind {
        case .deploy:
            guard let name = action.edge, let edge = edges[name], let flavor = action.flavor else {
                outcome(action.id, .failed, kind: .deploy, detail: "no operator for \(action.edge ?? "?")")
                return
            }
            if let id = action.id {
                requested[id] = action
                let seconds = planner.builder.secondsToReady(content: action.content, flavor: flavor, edge: name, fleet: fleet) ?? 0
                expected[action.content, default: [:]][id] = clock.now + .milliseconds(Int64(seconds * 1_000))
                refreshGate(action.content)
            }
            enqueue { await self.deploy(action, edge: edge, flavor: flavor) }
        case .drain:
            // Its address already left DNS with the plan's other drains (`tick`, one table).
            guard let id = action.instance else { return }
            // Stored with the tick's records.
            if let instance = fleet.members[id]?.instance { persist(instance) }
            enqueueRemoval(id, action: action.id)
        }
    }

    func deploy(_ action: ActionRecord, edge: any EdgeConnection, flavor: String) async {
        do {
            let created = try await edge.create(CreateInstanceRequest(content: action.content, flavor: flavor))
            if let id = action.id { requested[id] = nil }
            try admit(created, from: edge.edge)
            observe(created)
            outcome(action.id, .requested, kind: .deploy, instance: created.spec.id)
            event("deploy", created.spec.id, "requested on \(edge.edge) at \(created.spec.address): \(action.reason)")
            // Stored before waiting: a process killed meanwhile keeps the record.
            flush()
            await settle(created.spec.id, edge: edge, action: action.id)
        } catch {
            if let id = action.id { requested[id] = nil }
            outcome(action.id, .failed, kind: .deploy, detail: "\(error)")
            event("deploy", action.content, "deploy of \(flavor) on \(edge.edge) failed: \(error)")
        }
        if let id = action.id { expected[action.content]?[id] = nil }
        refreshGate(action.content)
        flush()
    }

    /// Follows an instance on its way up (a restart picks up the ones it finds booting).
    func follow(_ id: String, edge name: String, action: Int64?) {
        guard let edge = edges[name] else { return }
        watched.insert(id)
        enqueue { await self.settle(id, edge: edge, action: action) }
    }

    func settle(_ id: String, edge: any EdgeConnection, action: Int64?) async {
        watched.insert(id)
        do {
            let settled = try await edge.settled(id)
            try admit(settled, from: edge.edge)
            observe(settled)
            if settled.phase == .ready {
                outcome(action, .ready, kind: .deploy, instance: id, detail: settled.seconds["allocation"].map { String(format: "ready after %.3f s", $0) })
                event("ready", id, "serving at \(settled.spec.address) on \(edge.edge); answered by DNS")
            } else {
                outcome(action, .failed, kind: .deploy, instance: id, detail: settled.failure ?? "ended \(settled.phase.rawValue)")
                event("failed", id, "did not become ready: \(settled.failure ?? settled.phase.rawValue)")
            }
        } catch let refused as RefusedReport {
            outcome(action, .failed, kind: .deploy, instance: id, detail: "\(refused)")
        } catch {
            // The next reconcile finds it again and follows it from where it is.
            logger.warning("lost track of an instance on its way up", metadata: ["instance.id": "\(id)", "error": "\(error)"])
        }
        watched.remove(id)
        // Drained while it booted: its removal starts now rather than at the next reconcile.
        if fleet.members[id]?.removing == true { enqueueRemoval(id, action: nil) }
        flush()
    }

    func enqueueRemoval(_ id: String, action: Int64?) {
        if let action { drainActions[id] = action }
        guard let member = fleet.members[id], let edge = edges[member.instance.spec.edge], !watched.contains(id) else { return }
        watched.insert(id)
        let grace = settings.dnsGraceSeconds
        let drain = settings.drainSeconds
        enqueue { await self.remove(id, edge: edge, grace: grace, drain: drain) }
    }

    func remove(_ id: String, edge: any EdgeConnection, grace: Double, drain: Double) async {
        defer { watched.remove(id) }
        event("drain", id, "left DNS; destroyed after \(grace) s of TTL and at most \(drain) s of transfers")
        flush()
        do {
            try await clock.sleep(for: .milliseconds(Int64(grace * 1_000)))
        } catch {
            return  // Cancelled: the loop is stopping; a restart finishes the removal (it is stored as such).
        }
        do {
            let gone = try await edge.remove(id, drainSeconds: drain)
            observe(gone)
            outcome(drainActions.removeValue(forKey: id), .removed, kind: .drain, instance: id, detail: gone.seconds["removal"].map { String(format: "removed in %.3f s", $0) })
        } catch {
            // It stays marked for removal: the next reconcile tries again.
            outcome(drainActions.removeValue(forKey: id), .failed, kind: .drain, instance: id, detail: "\(error)")
            event("drain", id, "removal failed, retried at the next interval: \(error)")
        }
        flush()
    }
}
