import Dispatch
import Foundation
import Synchronization

/// Where order searches, backtests and fits run: threads of their own, at most `width`, so
/// that seconds of model work never hold the cooperative pool the loop's actor, its jobs and
/// the API's handlers run on. Work beyond the width waits its turn.
public final class ModelWorkExecutor: TaskExecutor, @unchecked Sendable {
    // The queues are immutable after init and DispatchQueue is thread-safe.
    private let lanes: [DispatchQueue]
    private let next = Mutex(0)

    /// `width` threads (at least one); by default one fewer than the machine's cores, at least one.
    public init(width: Int? = nil) {
        let count = max(1, width ?? (ProcessInfo.processInfo.activeProcessorCount - 1))
        lanes = (0..<count).map { DispatchQueue(label: "augur.model-work.\($0)") }
    }

    public var width: Int { lanes.count }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let lane = next.withLock { index in
            defer { index = (index + 1) % lanes.count }
            return lanes[index]
        }
        let executor = asUnownedTaskExecutor()
        lane.async { job.runSynchronously(on: executor) }
    }

    /// Runs `body` on one of the executor's threads when its turn comes; nil if the task was
    /// cancelled before then (a stopping loop does not wait for the searches queued behind).
    public func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T? {
        await withTaskExecutorPreference(self) { Task.isCancelled ? nil : body() }
    }
}
