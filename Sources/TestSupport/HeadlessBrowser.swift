import Foundation

/// Debian's headless Chromium, driven through `Scripts/browser` (the DevTools protocol over a
/// pipe): the dashboard's and the replay report's tests load pages in a real browser, read
/// what it rendered, and save screenshots.
public final class HeadlessBrowser: Sendable {
    /// Where the tests' screenshots go (kept after the run, outside git).
    public static let screenshots = Testbed.root.appendingPathComponent(".augur/screenshots")

    public static var available: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") }

    private let process: Process
    private let input: FileHandle
    private let lines: LineReader

    public init() throws {
        let process = Process()
        process.executableURL = Testbed.root.appendingPathComponent("Scripts/browser")
        let commands = Pipe(), answers = Pipe()
        process.standardInput = commands
        process.standardOutput = answers
        process.standardError = FileHandle.standardError
        try process.run()
        self.process = process
        input = commands.fileHandleForWriting
        lines = LineReader(answers.fileHandleForReading)
    }

    /// Loads `url` and waits for its load event.
    public func open(_ url: String) async throws {
        _ = try await send(["open": url])
    }

    /// The JSON value of a JavaScript expression (a promise is awaited), decoded as `T`.
    public func evaluate<T: Decodable>(_ expression: String, as type: T.Type = T.self) async throws -> T {
        try JSONDecoder().decode(T.self, from: try await send(["eval": expression]))
    }

    /// Polls `expression` until it is truthy; fails after `timeout` seconds, with its last value.
    public func wait(until expression: String, timeout: Double = 20) async throws {
        _ = try await send(["wait": expression, "timeout": timeout])
    }

    /// Saves the whole page as a PNG at `path` and returns it.
    @discardableResult
    public func screenshot(_ name: String) async throws -> URL {
        let path = Self.screenshots.appendingPathComponent(name)
        _ = try await send(["screenshot": path.path])
        return path
    }

    public func quit() async {
        _ = try? await send(["quit": true], answered: false)
        await Testbed.blocking { [process] in process.waitUntilExit() }
    }

    /// Sends one command; returns the `ok` value's JSON, or throws the browser's error.
    private func send(_ command: [String: any Sendable], answered: Bool = true) async throws -> Data {
        var line = try JSONSerialization.data(withJSONObject: command)
        line.append(0x0A)
        try input.write(contentsOf: line)
        guard answered else { return Data() }
        let reader = lines
        guard let answer = await Testbed.blocking({ reader.next() }) else {
            throw TestbedError(description: "Scripts/browser ended before answering \(command)")
        }
        guard let object = try JSONSerialization.jsonObject(with: answer) as? [String: Any] else {
            throw TestbedError(description: "Scripts/browser answered \(String(decoding: answer, as: UTF8.self))")
        }
        if let error = object["error"] { throw TestbedError(description: "browser: \(error)") }
        return try JSONSerialization.data(withJSONObject: object["ok"] ?? NSNull(), options: .fragmentsAllowed)
    }
}

/// Lines from a pipe, read on one thread at a time (the browser's answers come one per command).
private final class LineReader: @unchecked Sendable {
    private let handle: FileHandle
    private var buffer = Data()

    init(_ handle: FileHandle) {
        self.handle = handle
    }

    func next() -> Data? {
        while true {
            if let end = buffer.firstIndex(of: 0x0A) {
                let line = buffer[buffer.startIndex..<end]
                buffer = Data(buffer[(end + 1)...])
                return Data(line)
            }
            let chunk = handle.availableData
            if chunk.isEmpty { return nil }
            buffer.append(chunk)
        }
    }
}
