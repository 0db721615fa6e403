import Foundation

/// CPU time and resident memory of a process tree from /proc, for runtimes whose instances
/// are host processes (the emulated runtime's nginx, the Xen double's guests).
enum ProcessUsage {
    /// Whether the process runs (a zombie waiting to be reaped does not).
    static func isAlive(_ pid: Int32) -> Bool {
        guard let fields = statFields(pid) else { return false }
        return fields.first != "Z"
    }

    /// Whether any process of the group still runs.
    static func isGroupAlive(_ group: Int32) -> Bool {
        !members(of: group).isEmpty
    }

    /// The live (not zombie) processes of a process group.
    static func members(of group: Int32) -> [Int32] {
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap(Int32.init) ?? []
        return pids.filter { pid in
            guard let fields = statFields(pid), fields.count > 2 else { return false }
            return fields[0] != "Z" && Int32(fields[2]) == group
        }
    }

    /// A process's command line, its arguments joined by spaces (nginx rewrites its own to
    /// `nginx: master process …` and `nginx: worker process`); nil when it is gone.
    static func commandLine(_ pid: Int32) -> String? {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline"), !data.isEmpty else { return nil }
        return String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self).trimmingCharacters(in: .whitespaces)
    }

    /// The process and its direct children: total CPU seconds and resident bytes.
    static func tree(of pid: Int32) -> (cpuSeconds: Double, residentBytes: Int)? {
        guard let root = sample(pid) else { return nil }
        let children = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap(Int32.init).filter { sample($0)?.parent == pid } ?? []
        return children.compactMap(sample).reduce((root.cpuSeconds, root.residentBytes)) { ($0.0 + $1.cpuSeconds, $0.1 + $1.residentBytes) }
    }

    private static func sample(_ pid: Int32) -> (parent: Int32, cpuSeconds: Double, residentBytes: Int)? {
        // Fields after the command name: state(3) ppid(4) pgrp(5) … utime(14) stime(15) … rss(24).
        guard let fields = statFields(pid), fields.count > 21, let parent = Int32(fields[1]), let user = Double(fields[11]), let system = Double(fields[12]), let pages = Int(fields[21]) else { return nil }
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        return (parent, (user + system) / ticks, pages * Int(sysconf(Int32(_SC_PAGESIZE))))
    }

    /// The fields of /proc/PID/stat after the command name, starting with the state.
    private static func statFields(_ pid: Int32) -> [Substring]? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ")
    }
}
