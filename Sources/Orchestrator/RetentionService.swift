import Deadline
import Foundation
import Logging
import Planning
import ServiceLifecycle

/// Keeps the store bounded while the orchestrator runs: every `period` it deletes what is
/// older than `retention`, off the loop (the loop's writes wait for SQLite's write lock
/// only while one batch of a pruning commits). The predictors' history is kept (see `StateStore.prune`).
public struct RetentionService: Service {
    let store: StateStore
    let retention: Duration
    let period: Duration
    let keepingCounts: Int
    let logger: Logger
    let now: @Sendable () -> Date

    public init(
        store: StateStore, retention: Duration, period: Duration = .seconds(600), keepingCounts: Int = ModelChoice.predictorMemory, logger: Logger,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.retention = retention
        self.period = period
        self.keepingCounts = keepingCounts
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                pruneOnce()
                do { try await Task.sleep(for: period) } catch { return }
            }
        }
    }

    /// One pruning; a failure is logged and the next period tries again.
    @discardableResult
    public func pruneOnce() -> StateStore.Pruned? {
        let seconds = retention.inSeconds
        let cutoff = now().addingTimeInterval(-seconds)
        do {
            let pruned = try store.prune(before: cutoff, keepingCounts: keepingCounts)
            if pruned.total > 0 {
                logger.info("state pruned", metadata: [
                    "retain.before": "\(cutoff)", "pruned.counts": "\(pruned.counts)", "pruned.forecasts": "\(pruned.forecasts)",
                    "pruned.plans": "\(pruned.plans)", "pruned.actions": "\(pruned.actions)", "pruned.events": "\(pruned.events)",
                    "pruned.instances": "\(pruned.instances)", "pruned.transactions": "\(pruned.transactions)",
                ])
            }
            return pruned
        } catch {
            logger.error("cannot prune the state; retried next period", metadata: ["error": "\(error)"])
            return nil
        }
    }
}
