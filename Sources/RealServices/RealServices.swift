import Testing

/// The suites that start real services on the machine's shared places (the edges' address
/// pools on loopback, the registry, dockerd) run one at a time, across suites and test
/// targets: two suites' nginx on one address would make either fail, at random. Every test
/// target runs in one process, so one lock there serializes them. A suite trait, applied to
/// each such suite: it holds the lock for the whole suite.
public struct RealServices: SuiteTrait, TestScoping {
    public var isRecursive: Bool { false }

    public func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        await SuiteLock.shared.acquire()
        do {
            try await function()
        } catch {
            await SuiteLock.shared.release()
            throw error
        }
        await SuiteLock.shared.release()
    }
}

extension Trait where Self == RealServices {
    /// Runs the suite alone among the suites that start real services.
    public static var realServices: Self { RealServices() }
}

/// One holder at a time, the others waiting in the order they came.
actor SuiteLock {
    static let shared = SuiteLock()
    private var held = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        guard held else {
            held = true
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty { held = false } else { waiting.removeFirst().resume() }
    }
}
