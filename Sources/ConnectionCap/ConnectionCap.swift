import NIOCore
import Synchronization

/// A cap on the connections a server holds open at once, shared by all its channels: each
/// accepted connection gets a `Handler`, and beyond `limit` a new one is closed as it
/// arrives, so a flood of idle connections cannot take the process's descriptors. No one
/// source address may hold more than `perSource` of them, so one flooding peer cannot take
/// every slot from the others (the orchestrator's calls to an edge among them). Used by the
/// DNS balancer's TCP listener and the HTTP APIs.
public final class ConnectionCap: Sendable {
    public let limit: Int
    public let perSource: Int
    private let open = Mutex((total: 0, bySource: [String: Int]()))

    /// `perSource`: at most this many from one address (default: no bound but `limit`).
    public init(limit: Int, perSource: Int? = nil) {
        self.limit = limit
        self.perSource = max(1, min(perSource ?? limit, limit))
    }

    /// Connections counted now.
    public var count: Int { open.withLock { $0.total } }

    /// Connections counted now from `source` (an address without its port).
    public func count(from source: String) -> Int { open.withLock { $0.bySource[source, default: 0] } }

    /// The handler for one new connection.
    public func handler() -> Handler { Handler(self) }

    private func enter(_ source: String) -> Bool {
        open.withLock { open in
            guard open.total < limit, open.bySource[source, default: 0] < perSource else { return false }
            open.total += 1
            open.bySource[source, default: 0] += 1
            return true
        }
    }

    private func leave(_ source: String) {
        open.withLock { open in
            open.total -= 1
            let left = open.bySource[source, default: 1] - 1
            open.bySource[source] = left > 0 ? left : nil
        }
    }

    /// Counts its connection from when it is active (or the handler is added to an active
    /// one) until it closes or the handler is removed; closes it if the cap is reached.
    public final class Handler: ChannelInboundHandler, RemovableChannelHandler {
        public typealias InboundIn = NIOAny
        private let cap: ConnectionCap
        private var state = State.waiting

        private enum State { case waiting, counted(source: String), refused, done }

        init(_ cap: ConnectionCap) {
            self.cap = cap
        }

        public func handlerAdded(context: ChannelHandlerContext) {
            if context.channel.isActive { admit(context) }
        }

        public func channelActive(context: ChannelHandlerContext) {
            admit(context)
            context.fireChannelActive()
        }

        public func channelInactive(context: ChannelHandlerContext) {
            release()
            context.fireChannelInactive()
        }

        public func handlerRemoved(context: ChannelHandlerContext) {
            release()
        }

        private func admit(_ context: ChannelHandlerContext) {
            guard case .waiting = state else { return }
            let source = context.channel.remoteAddress?.ipAddress ?? "unknown"
            if cap.enter(source) {
                state = .counted(source: source)
            } else {
                state = .refused
                context.close(promise: nil)
            }
        }

        private func release() {
            if case .counted(let source) = state { cap.leave(source) }
            state = .done
        }
    }
}
