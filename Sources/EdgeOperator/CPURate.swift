import Deadline

/// Turns cumulative CPU seconds, read now and then per instance, into percent of one core
/// since the previous reading: the emulated and xen runtimes report CPU time that way.
struct CPURate {
    private var last: [String: (cpuSeconds: Double, at: ContinuousClock.Instant)] = [:]

    /// Percent of one core since the previous reading of `id`; 0 for the first.
    mutating func percent(_ id: String, cpuSeconds: Double, at now: ContinuousClock.Instant = .now) -> Double {
        defer { last[id] = (cpuSeconds, now) }
        guard let before = last[id] else { return 0 }
        let elapsed = now - before.at
        let seconds = elapsed.inSeconds
        return seconds > 0 ? (cpuSeconds - before.cpuSeconds) / seconds * 100 : 0
    }

    mutating func forget(_ id: String) {
        last[id] = nil
    }
}
