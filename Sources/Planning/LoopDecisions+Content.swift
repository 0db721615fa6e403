/// Content changes at run time, and the model work (order searches, fits) the predictors
/// wait for.
extension LoopDecisions {
    /// Changes a content at run time: its capacity per instance, the flavors deployed for it
    /// (in order of preference, among those its DNS name serves), its model (started from
    /// `history`, its newest stored counts, oldest first) or its policy. A change that is
    /// refused changes nothing; one that is taken is stored and outlives a restart.
    public mutating func changeContent(_ name: String, _ change: ContentChange, history: [Double], at time: LoopTime) throws(ContentChangeError) -> [LoopAction] {
        guard let item = configuration.catalog.item(named: name), var profile = planner.builder.profiles[name] else { throw .unknownContent(name) }
        if let capacity = change.capacity {
            guard capacity >= 1 else { throw .invalid(name, "capacity must be at least 1, not \(capacity)") }
            profile.capacityPerInstance = capacity
        }
        if let flavors = change.flavors {
            let unknown = flavors.filter { !item.flavors.contains($0) }
            guard unknown.isEmpty, !flavors.isEmpty else {
                throw .invalid(name, "flavors must be a non-empty list among \(item.flavors.joined(separator: ", ")); not served: \(unknown.joined(separator: ", "))")
            }
            profile.flavors = flavors
        }
        var choice: ModelChoice?
        if let text = change.model {
            do { choice = try ModelChoice(parsing: text) } catch { throw .invalid(name, error.description) }
        }
        planner.builder.profiles[name] = profile
        if let choice { book.choose(choice, for: name, history: Array(history.suffix(choice.countsKept))) }
        var actions: [LoopAction] = []
        if let capacity = change.capacity { actions.append(.share(content: name, lookupsPerInstance: capacity)) }
        if let policy = change.policy {
            planner.policies[name] = policy
            actions += gate(name, at: time)
        }
        actions += scheduleModelWork()
        actions.append(.storeContentChange(content: name, change))
        let model = book.entries[name]?.choice.description ?? "-"
        let policy = planner.policies[name]?.rawValue ?? "-"
        actions.append(event(
            "content", name, "changed: capacity \(profile.capacityPerInstance), flavors \(profile.flavors.joined(separator: ",")), model \(model), policy \(policy)",
            at: time))
        return actions + [thresholds()]
    }

    /// The searches and fits the predictors wait for, one per content at a time.
    mutating func scheduleModelWork() -> [LoopAction] {
        book.work().filter { modelBusy.insert($0.content).inserted }.map(LoopAction.model)
    }

    /// A search or fit ended: the predictor takes it from the next interval on, and a settled
    /// choice may want its first fit now.
    public mutating func modelWorkDone(_ result: DemandBook.WorkResult, content: String, at time: LoopTime) -> [LoopAction] {
        modelBusy.remove(content)
        book.apply(result)
        var actions: [LoopAction] = []
        if case .settled(_, _, _, let reason) = result { actions.append(event("model", content, "settled: \(reason)", at: time)) }
        return actions + scheduleModelWork()
    }
}
