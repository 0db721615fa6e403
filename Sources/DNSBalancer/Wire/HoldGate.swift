import Dispatch
import Synchronization

/// Whether a lookup of one content may be held rather than answered at once: Jitsu's idea of
/// summoning at the DNS, bounded. The control loop opens the gate while an instance of the
/// content is on its way and expected ready within the bound; a lookup that finds the
/// interval's lookups past what the ready instances serve is then held until the loop says
/// the gate changed (the instance is ready, or failed) or the bound ends, whichever comes
/// first, and answered with what is ready then. A content has one, and with regions each
/// region's clients have their own (`DemandCounters.gate(_:region:)`), weighed against the
/// region's count and what its edges serve. Shared by every DNS worker; lock-free.
public final class HoldGate: Sendable {
    /// Lookups the ready instances serve in an interval.
    private let readyLookups = Atomic<Int>(Int.max)
    /// When the soonest instance on its way is expected ready (monotonic ns); 0: none is.
    private let readyBy = Atomic<UInt64>(0)
    /// The longest hold (ns); 0: never hold.
    private let bound = Atomic<UInt64>(0)
    private let changes = Atomic<UInt64>(0)

    /// Monotonic nanoseconds, the clock every deadline here is on.
    public static func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

    /// The loop's view of the content: what its ready instances serve, when the soonest one on
    /// its way is expected ready (nil: none is), and the longest hold (nil: never hold).
    /// Held lookups are answered at once.
    public func update(readyLookups: Int, readyIn: Duration?, bound: Duration?) {
        let now = Self.now()
        self.readyLookups.store(readyLookups, ordering: .relaxed)
        self.readyBy.store(readyIn.map { now &+ Self.nanoseconds($0) } ?? 0, ordering: .relaxed)
        self.bound.store(bound.map(Self.nanoseconds) ?? 0, ordering: .relaxed)
        changes.wrappingAdd(1, ordering: .releasing)
    }

    /// Counts the loop's updates: a held lookup is answered once it moves.
    var generation: UInt64 { changes.load(ordering: .acquiring) }

    /// Whether the loop has set the gate at least once (a region's gate: it then decides for
    /// the region's clients).
    var isSet: Bool { generation > 0 }

    /// Until when (monotonic ns) a lookup that makes the interval's `count` may be held at
    /// `now`, or nil to answer it at once: only past ready capacity, only while an instance
    /// is on its way and expected within the bound, never past the bound.
    func holdUntil(count: Int, now: UInt64) -> UInt64? {
        let bound = bound.load(ordering: .relaxed)
        let readyBy = readyBy.load(ordering: .relaxed)
        guard bound > 0, readyBy > now, readyBy - now <= bound, count > readyLookups.load(ordering: .relaxed) else { return nil }
        return now &+ bound
    }

    private static func nanoseconds(_ duration: Duration) -> UInt64 {
        let parts = duration.components
        return UInt64(max(0, parts.seconds)) * 1_000_000_000 + UInt64(max(0, parts.attoseconds) / 1_000_000_000)
    }
}
