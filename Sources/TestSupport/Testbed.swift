import Foundation
import Logging

/// What the integration tests of every module share: the repository's root, its scripts (which
/// start the real registry and dockerd), real command-line clients (dig, dnsperf), temporary
/// directories, and the root check. Not linked into the `augur` executable.
public enum Testbed {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    public static let registry = "127.0.0.1:5000"

    /// The debug `augur` binary the process tests run; a test fails (never passes unseen)
    /// when it is missing. `swift build --build-tests` and `swift test` build it.
    public static func augurBinary() throws -> URL {
        let binary = root.appendingPathComponent(".build/debug/augur")
        guard FileManager.default.isExecutableFile(atPath: binary.path) else {
            throw TestbedError(description: "\(binary.path) is not built: run swift build --build-tests")
        }
        return binary
    }

    /// Runs blocking work (a socket call with a receive timeout, a sleep) on a dispatch
    /// thread, so that it never holds one of the cooperative pool's threads, which the tests
    /// running beside it need.
    public static func blocking<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: body()) }
        }
    }

    public static func logger(_ label: String) -> Logger {
        var logger = Logger(label: label, factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .debug
        return logger
    }

    /// Runs a script from `Scripts/` and throws with its output when it fails.
    @discardableResult
    public static func script(_ name: String, _ arguments: [String]) async throws -> String {
        try await tool(root.appendingPathComponent("Scripts/\(name)").path, arguments)
    }

    /// Runs an executable (a path, or a name looked up in PATH) and returns its output; throws
    /// with the output when it exits non-zero (unless `failOnExit` is false: a DNS client
    /// reports a timeout that way, which some tests expect). The wait happens on a thread of its own:
    /// blocking the few cooperative threads would starve the dispatch source that notices the
    /// child's exit.
    @discardableResult
    public static func tool(_ executable: String, _ arguments: [String], failOnExit: Bool = true) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread { continuation.resume(with: Result { try run(executable, arguments, failOnExit: failOnExit) }) }
        }
    }

    private static func run(_ executable: String, _ arguments: [String], failOnExit: Bool) throws -> String {
        let process = Process()
        if executable.contains("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        // Output goes to a file, not a pipe: daemons a script starts inherit the descriptor,
        // and a pipe would then never reach end-of-file.
        let log = temporaryDirectory("tool").appendingPathComponent("output.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        defer { try? handle.close() }
        process.standardOutput = handle
        process.standardError = handle
        do {
            try process.run()
        } catch {
            throw TestbedError(description: "cannot run \(executable) (Scripts/setup installs it from Debian): \(error)")
        }
        process.waitUntilExit()
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 || !failOnExit else {
            throw TestbedError(description: "\(executable) \(arguments.joined(separator: " ")) exited \(process.terminationStatus): \(text)")
        }
        return text
    }

    public static func temporaryDirectory(_ label: String) -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("augur-\(label)-\(UUID().uuidString.prefix(8))")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Whether the tests run as root, which dockerd, the registry, namespaces and the edge's
    /// daemons need: the tests that need it are enabled only then (`.enabled(if:)`), so a run
    /// without root reports them skipped with the reason, never passed.
    public static var runsAsRoot: Bool { getuid() == 0 }
}

/// A test's setup step that failed, with what it printed.
public struct TestbedError: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) {
        self.description = description
    }
}
