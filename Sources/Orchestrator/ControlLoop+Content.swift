import AugurModel
import Foundation
import Planning

/// Content changes at run time, and the content as the loop uses it.
extension ControlLoop {
    /// Changes a content at run time: its capacity per instance, the flavors deployed for it
    /// (in order of preference, among those its DNS name serves), its model or its policy. The change is
    /// stored and outlives a restart.
    public func updateContent(_ name: String, _ change: ContentChange) throws(ContentChangeError) {
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
        if let policy = change.policy {
            planner.policies[name] = policy
            refreshGate(name)
        }
        if let text = change.model {
            let choice: ModelChoice
            do { choice = try ModelChoice(parsing: text) } catch { throw .invalid(name, error.description) }
            var history: [Double] = []
            do {
                history = try store.counts(of: name, limit: choice.countsKept).map { Double($0.lookups) }
            } catch {
                logger.error("cannot read the stored counts; the new model starts without history", metadata: ["content": "\(name)", "error": "\(error)"])
            }
            book.choose(choice, for: name, history: history)
        }
        planner.builder.profiles[name] = profile
        scheduleModelWork()
        do {
            try store.recordContentChange(name, change)
        } catch {
            logger.error("cannot store a content change", metadata: ["content": "\(name)", "error": "\(error)"])
        }
        event("content", name, "changed: capacity \(profile.capacityPerInstance), flavors \(profile.flavors.joined(separator: ",")), model \(book.entries[name]?.choice.description ?? "-"), policy \(planner.policies[name]?.rawValue ?? "-")")
        armThresholds()
        flush()
    }

    /// The content as the loop uses it now.
    public func contents() -> [ContentView] {
        configuration.catalog.contents.map { item in
            let entry = book.entries[item.name]
            return ContentView(
                name: item.name, sizeBytes: item.sizeBytes, capacity: planner.builder.profiles[item.name]?.capacityPerInstance ?? item.capacity,
                flavors: planner.builder.profiles[item.name]?.flavors ?? item.flavors, servedFlavors: item.flavors,
                model: entry?.choice.description ?? "-", modelInUse: entry?.modelInUse, policy: planner.policies[item.name] ?? settings.scaling)
        }
    }
}
