import Foundation
import Synchronization

/// What the API's event stream (`GET /v1/stream`) tells a dashboard, as it happens.
public enum FeedMessage: Sendable, Hashable {
    /// An entry of the event log.
    case event(StateStore.Event)
    /// An interval closed and was planned.
    case interval(Int)
    /// An instance changed phase, or entered or left DNS.
    case fleet
    /// An action of a plan moved on (or a reaction started one).
    case action
    /// DNS responses of the last second.
    case dns(DNSTrafficSample)

    /// The server-sent event's name.
    public var name: String {
        switch self {
        case .event: "event"
        case .interval: "interval"
        case .fleet: "fleet"
        case .action: "action"
        case .dns: "dns"
        }
    }
}

/// Hands the loop's news to every open event stream. A slow reader loses the oldest news
/// past its buffer, never blocks the loop: the messages say what changed, and the page reads
/// the state itself with bounded calls.
public final class LoopFeed: Sendable {
    private struct Subscribers {
        var next = 0
        var open: [Int: AsyncStream<FeedMessage>.Continuation] = [:]
        var finished = false
    }

    private let subscribers = Mutex(Subscribers())
    let buffer: Int

    public init(buffer: Int = 256) {
        self.buffer = buffer
    }

    /// A stream of the news from now on; it ends when the feed finishes or the reader drops it.
    public func subscribe() -> AsyncStream<FeedMessage> {
        let (stream, continuation) = AsyncStream<FeedMessage>.makeStream(bufferingPolicy: .bufferingNewest(buffer))
        let id: Int? = subscribers.withLock { state in
            guard !state.finished else { return nil }
            state.next += 1
            state.open[state.next] = continuation
            return state.next
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.subscribers.withLock { $0.open.removeValue(forKey: id) }
        }
        return stream
    }

    /// Streams open now.
    public var readers: Int { subscribers.withLock { $0.open.count } }

    func publish(_ message: FeedMessage) {
        let open = subscribers.withLock { Array($0.open.values) }
        for continuation in open { continuation.yield(message) }
    }

    /// Ends every stream (the process is shutting down); later subscribers get an ended one.
    public func finish() {
        let open = subscribers.withLock { state in
            state.finished = true
            defer { state.open = [:] }
            return Array(state.open.values)
        }
        for continuation in open { continuation.finish() }
    }
}
