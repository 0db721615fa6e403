import EdgeWire
import Foundation

/// What the loop's decisions ask of the world, in the order it is to be done. `LoopDecisions`
/// returns them; whoever runs the loop performs them. The four jobs answer with an event
/// back into the decisions (`created`, `settled`, `removed`, `modelWorkDone`); the rest
/// are done on the spot.
public enum LoopAction: Sendable {
    /// Ask `edge` to create an instance of `flavor` for deploy `action`; answer `created`.
    case create(ActionRecord, edge: String, flavor: String)
    /// Follow `instance` on `edge` until it is ready or has failed; answer `settled`.
    /// `action`: the deploy it answers for, if any.
    case follow(instance: String, edge: String, action: Int64?)
    /// Wait `grace` (clients may hold the answer that long), then have `edge` drain
    /// `instance` for at most `drainSeconds` and destroy it; answer `removed`.
    case remove(instance: String, edge: String, grace: Duration, drainSeconds: Double)
    /// Run a search or fit off the loop; answer `modelWorkDone`.
    case model(DemandBook.Work)

    /// Make the DNS pools answer these changes, as one published table.
    case publish([PoolChange])
    /// Have DNS call for a check at the lookup past each reacting content's capacity.
    case watchThresholds([String: Int])
    /// Set `content`'s DNS hold gate: the lookups its ready instances serve, how soon the
    /// soonest deploy on its way is expected ready, and the longest a lookup may be held.
    /// `bound` nil: never hold.
    case gate(content: String, readyLookups: Int, readyIn: Duration?, bound: Duration?)
    /// Set the hold gate of `content` for the clients of `region`: what the instances on the
    /// region's edges serve, how soon the soonest deploy on its way to one of them is expected
    /// ready, and the bound. DNS holds a region's client by this gate, not the content's.
    case regionalGate(content: String, region: String, readyLookups: Int, readyIn: Duration?, bound: Duration?)
    /// Tell DNS the lookups one instance of `content` serves in an interval: a region's edge
    /// is given that many per instance before the next edge joins.
    case share(content: String, lookupsPerInstance: Int)

    /// Store what is about to be acted on, before it is: a plan's actions and the progress.
    case storeDecisions([ActionRecord], LoopProgress)
    /// Store one reaction's deploy before it is started.
    case storeAction(ActionRecord)
    /// Store a content change, so that it outlives a restart.
    case storeContentChange(content: String, ContentChange)

    /// Keep an instance's row, as its edge last reported it.
    case record(EdgeInstance, removing: Bool, at: Date)
    case event(LoopEvent)
    /// Count an action's outcome; `stored`: the row to update, for an action that has one.
    case outcome(ActionRecord.Kind, ActionRecord.Outcome, stored: ActionOutcome?)
    /// Keep a closed interval's counts, forecasts and plan, and what served as the next began.
    case storeInterval(IntervalRecord, readyNext: [String: ReadyCapacity])

    /// Whether `edge` answered its last list.
    case edgeReachable(String, Bool)
    /// An edge reported what may not enter the fleet; `firstTime`: first for this instance and reason.
    case refused(edge: String, instance: String, reason: String, firstTime: Bool)
    /// A job following `instance` up lost it (the next reconcile finds it again).
    case lostTrack(instance: String, error: String)
}
