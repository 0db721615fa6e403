import AugurModel
import Foundation
import Planning

/// Content changes at run time, and the content as the loop uses it.
extension ControlLoop {
    /// Changes a content at run time (see `LoopDecisions.changeContent`); a new model starts
    /// from the content's stored counts. The change is stored and outlives a restart.
    public func updateContent(_ name: String, _ change: ContentChange) throws(ContentChangeError) {
        var history: [Double] = []
        if let text = change.model, let choice = try? ModelChoice(parsing: text) {
            do {
                history = try store.counts(of: name, limit: choice.countsKept).map { Double($0.lookups) }
            } catch {
                logger.error("cannot read the stored counts; the new model starts without history", metadata: ["content": "\(name)", "error": "\(error)"])
            }
        }
        perform(try decisions.changeContent(name, change, history: history, at: clock.time))
    }

    /// The content as the loop uses it now.
    public func contents() -> [ContentView] {
        configuration.catalog.contents.map { item in
            let entry = decisions.book.entries[item.name]
            let profile = decisions.planner.builder.profiles[item.name]
            return ContentView(
                name: item.name, sizeBytes: item.sizeBytes, capacity: profile?.capacityPerInstance ?? item.capacity,
                flavors: profile?.flavors ?? item.flavors, servedFlavors: item.flavors,
                model: entry?.choice.description ?? "-", modelInUse: entry?.modelInUse, policy: decisions.planner.policies[item.name] ?? settings.scaling)
        }
    }
}
