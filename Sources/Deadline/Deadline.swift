/// Races work against a time limit: what the readiness probe, the control loop's edge calls
/// and the workload's DNS lookups each need, in one place. The loser is cancelled.
public enum Deadline {
    /// The result of `body`, or nil when `limit` of `clock` passes first.
    public static func race<T: Sendable>(
        _ limit: Duration, on clock: any Clock<Duration> = ContinuousClock(), _ body: @escaping @Sendable () async -> T
    ) async -> T? {
        await withTaskGroup(of: T?.self) { group in
            group.addTask { await body() }
            group.addTask {
                try? await clock.sleep(for: limit)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}

extension Duration {
    /// The duration in seconds, fractions included.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
