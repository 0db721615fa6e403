import Dispatch
import Foundation
import Glibc
import Synchronization

/// Where order searches, backtests and fits run: `width` threads of its own, besides the
/// cooperative pool the loop's actor, its jobs and the API's handlers run on, so that seconds
/// of model work never hold it; and at a lower priority (nice 10), so that on a busy machine
/// the loop's own work goes first. Work beyond the width waits its turn, first come first
/// served. The threads live as long as the process: loops share `shared`.
public final class ModelWorkExecutor: TaskExecutor, Sendable {
    private let waiting = Mutex<[UnownedJob]>([])
    private let available = DispatchSemaphore(value: 0)
    public let width: Int

    /// How much model work yields to the rest of the process.
    static let niceness: Int32 = 10

    /// The executor loops share unless given their own: one thread fewer than the machine's cores, at least one.
    public static let shared = ModelWorkExecutor()

    public init(width: Int? = nil) {
        self.width = max(1, width ?? (ProcessInfo.processInfo.activeProcessorCount - 1))
        for index in 0..<self.width {
            let thread = Thread { [self] in serve() }
            thread.name = "augur.model-work.\(index)"
            thread.start()
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        waiting.withLock { $0.append(job) }
        available.signal()
    }

    /// Runs `body` on one of the executor's threads when its turn comes; nil if the task was
    /// cancelled before then (a stopping loop does not wait for the searches queued behind).
    public func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T? {
        await withTaskExecutorPreference(self) { Task.isCancelled ? nil : body() }
    }

    private func serve() {
        // On Linux the nice value is the thread's own: 0 names the calling thread.
        setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Self.niceness)
        let executor = asUnownedTaskExecutor()
        while true {
            available.wait()
            guard let job = waiting.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) else { continue }
            job.runSynchronously(on: executor)
        }
    }
}
