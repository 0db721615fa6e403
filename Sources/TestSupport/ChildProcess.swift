import Foundation

/// A daemon a test starts (`augur serve`, `augur edge`, a unit's command line) and stops:
/// its output goes to a log file the test can show when something fails, and stopping it
/// answers how it ended. One shape for the tests that start Augur's daemons, instead of each
/// spelling out `Process`, its log handle and its signal.
public final class ChildProcess: @unchecked Sendable {
    /// How the process ended.
    public enum Ending: Equatable, Sendable {
        case exited(Int32)
        case signalled(Int32)
    }

    private let log: URL
    private let process: Process

    /// Starts `executable` with `arguments` in `directory`, its output (both streams) in `log`.
    public init(_ executable: URL, _ arguments: [String], in directory: URL, log: URL) throws {
        process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        self.log = log
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    /// A process the test drops while it still runs (a failed expectation, a thrown error)
    /// is sent SIGTERM: no test leaves a daemon behind.
    deinit {
        if process.isRunning { process.terminate() }
    }

    public var isRunning: Bool { process.isRunning }
    public var pid: Int32 { process.processIdentifier }

    /// What the process printed so far.
    public var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    /// Sends `signal` (unless it has ended already) and waits, on a thread of its own (the
    /// cooperative pool stays free), for the end; a process still running `killAfter` seconds
    /// later is killed, so a stop that hangs fails its test (`.signalled(SIGKILL)`) instead of
    /// hanging it.
    @discardableResult
    public func stop(_ signal: Int32 = SIGTERM, killAfter seconds: Double = 60) async -> Ending {
        let process = process
        if process.isRunning { kill(process.processIdentifier, signal) }
        return await Testbed.blocking {
            let deadline = Date().addingTimeInterval(seconds)
            while process.isRunning && Date() < deadline { usleep(10_000) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            process.waitUntilExit()
            return process.terminationReason == .exit ? .exited(process.terminationStatus) : .signalled(process.terminationStatus)
        }
    }
}
