import DNSBalancer
import ServiceLifecycle

/// Runs the control loop under a service group on the counter's snapshots; on graceful
/// shutdown its jobs are cancelled (the stored state and the edges let a restart resume).
public struct ControlLoopService: Service {
    let loop: ControlLoop
    let snapshots: AsyncStream<IntervalSnapshot>

    /// `snapshots` should be subscribed before the counter starts, so no interval is missed.
    public init(loop: ControlLoop, snapshots: AsyncStream<IntervalSnapshot>) {
        self.loop = loop
        self.snapshots = snapshots
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown { await loop.run(snapshots: snapshots) }
    }
}
