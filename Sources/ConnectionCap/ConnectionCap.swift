import NIOCore
import Synchronization

/// A cap on the connections a server holds open at once, shared by all its channels: each
/// accepted connection gets a `Handler`, and beyond `limit` a new one is closed as it
/// arrives, so a flood of idle connections cannot take the process's descriptors. Used by
/// the DNS balancer's TCP listener and the HTTP APIs.
public final class ConnectionCap: Sendable {
    public let limit: Int
    private let open = Atomic<Int>(0)

    public init(limit: Int) {
        self.limit = limit
    }

    /// Connections counted now.
    public var count: Int { open.load(ordering: .relaxed) }

    /// The handler for one new connection.
    public func handler() -> Handler { Handler(self) }

    private func enter() -> Bool {
        var current = open.load(ordering: .relaxed)
        while current < limit {
            let (exchanged, actual) = open.compareExchange(expected: current, desired: current + 1, ordering: .acquiringAndReleasing)
            if exchanged { return true }
            current = actual
        }
        return false
    }

    private func leave() {
        open.subtract(1, ordering: .acquiringAndReleasing)
    }

    /// Counts its connection from when it is active (or the handler is added to an active
    /// one) until it closes or the handler is removed; closes it if the cap is reached.
    public final class Handler: ChannelInboundHandler, RemovableChannelHandler {
        public typealias InboundIn = NIOAny
        private let cap: ConnectionCap
        private var state = State.waiting

        private enum State { case waiting, counted, refused, done }

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
            guard state == .waiting else { return }
            if cap.enter() {
                state = .counted
            } else {
                state = .refused
                context.close(promise: nil)
            }
        }

        private func release() {
            if state == .counted { cap.leave() }
            state = .done
        }
    }
}
