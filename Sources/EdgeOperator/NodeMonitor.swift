import EdgeWire
import Foundation

/// Samples the node's CPU and memory from /proc on a fixed period and keeps a window of
/// samples, so that the operator can report the current use and each phase's CPU peak.
public actor NodeMonitor {
    private let period: Duration
    private let window: Int
    private var samples: [NodeUsage] = []
    private var previous: (busy: UInt64, total: UInt64)?

    public init(period: Duration = .milliseconds(100), window: Int = 6_000) {
        self.period = period
        self.window = window
    }

    /// Samples until the surrounding task is cancelled.
    public func run() async {
        while !Task.isCancelled {
            takeSample()
            try? await Task.sleep(for: period)
        }
    }

    public var latest: NodeUsage? { samples.last }

    /// The highest CPU use sampled in `[from, to]`, or the latest reading when none falls inside.
    public func cpuPeak(from: Date, to: Date) -> Double? {
        let inside = samples.filter { $0.at >= from && $0.at <= to }.map(\.cpuPercent)
        return inside.max() ?? samples.last?.cpuPercent
    }

    func takeSample() {
        guard let times = Self.cpuTimes(), let memory = Self.memory() else { return }
        defer { previous = times }
        guard let previous, times.total > previous.total else { return }
        let busy = Double(times.busy &- previous.busy) / Double(times.total - previous.total) * 100
        samples.append(NodeUsage(at: Date(), cpuPercent: busy, memoryUsedBytes: memory.used, memoryTotalBytes: memory.total))
        if samples.count > window { samples.removeFirst(samples.count - window) }
    }

    /// Busy and total jiffies from the aggregate `cpu` line of /proc/stat.
    static func cpuTimes(_ text: String? = try? String(contentsOfFile: "/proc/stat", encoding: .utf8)) -> (busy: UInt64, total: UInt64)? {
        guard let line = text?.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return nil }
        let fields = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
        guard fields.count >= 5 else { return nil }
        let total = fields.prefix(8).reduce(0, +)
        let idle = fields[3] + fields[4]
        return (total - idle, total)
    }

    /// Used and total bytes from /proc/meminfo (used = total − available).
    static func memory(_ text: String? = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) -> (used: Int, total: Int)? {
        guard let text else { return nil }
        var values: [Substring: Int] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2, let kilobytes = Int(parts[1]) else { continue }
            values[parts[0].dropLast()] = kilobytes * 1_024
        }
        guard let total = values["MemTotal"], let available = values["MemAvailable"] else { return nil }
        return (total - available, total)
    }
}
