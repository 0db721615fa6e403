import Planning

/// Model work (order searches, fits) off the actor, on the model-work executor.
extension ControlLoop {
    /// Starts, off this actor and on the model-work executor, the searches and fits the
    /// predictors wait for (one per content at a time).
    func scheduleModelWork() {
        let executor = modelWork
        for work in book.work() where modelBusy.insert(work.content).inserted {
            enqueue {
                guard let result = await executor.run({ work.perform() }) else { return }
                await self.finishModelWork(result, content: work.content)
            }
        }
    }

    func finishModelWork(_ result: DemandBook.WorkResult, content: String) {
        modelBusy.remove(content)
        book.apply(result)
        if case .settled(_, _, _, let reason) = result {
            event("model", content, "settled: \(reason)")
        }
        // A settled choice may want its first fit now.
        scheduleModelWork()
        flush()
    }
}
