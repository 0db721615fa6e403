import AugurModel
import EdgeWire
import Foundation

/// Everything the control loop decides, as one value. Each method takes an event (an
/// interval closed, the edges' lists, a job's answer, demand read within an interval, a
/// content change) with the moment it happened, changes the state and returns the actions
/// to take, in order (`LoopAction`); it does no I/O and reads no clock. The `ControlLoop`
/// actor performs the actions and hands the jobs' answers back, so a test drives the whole
/// loop's logic event by event, with the moments it chooses and no waiting.
/// The rules it keeps: what is acted on is stored first; a deploy's address enters DNS only
/// once its edge reports it ready; a removal takes the address out of DNS first and is
/// destroyed only after the DNS grace; an edge's list is the truth for its instances, with
/// what it may not report refused; the first season only trains.
/// This file holds the state, resuming and the interval; the other events live by concern
/// in `LoopDecisions+Reconcile` (edge lists, refusals), `+Instances` (deploys, settling,
/// removals), `+Reactions` (within-interval demand, thresholds, hold gates) and `+Content`
/// (content changes, model work).
public struct LoopDecisions: Sendable {
    public let settings: LoopSettings
    public let configuration: AugurConfiguration
    /// What an edge may report: the rest is refused before it reaches the fleet or DNS.
    let admission: ReportAdmission
    public internal(set) var planner: IntervalPlanner
    public internal(set) var book: DemandBook
    /// Each content's demand by region (see `RegionalShares`): where the planner puts it.
    public internal(set) var regional: RegionalShares
    public internal(set) var progress = LoopProgress()
    public internal(set) var fleet = Fleet()
    /// The last interval closed.
    public internal(set) var latest: IntervalRecord?
    /// The edges the loop operates.
    public let edges: Set<String>
    /// Per edge, where its last list left off: the next asks only for what changed since.
    var cursors: [String: InstanceCursor] = [:]
    /// Reconciles so far (the edges take turns listing everything, see `LoopSettings.wholeListEvery`).
    var reconciles = 0
    /// Edges whose loss was announced (so their return is announced too).
    var lostEdges: Set<String> = []
    /// Instances that have a job following them up or removing them.
    var watched: Set<String> = []
    /// Drain actions waiting for their instance's removal to end, by instance. A drain that
    /// finds its instance watched (a job following it up has not finished) starts no removal
    /// of its own; the removal that starts when that job ends answers for it (or the edge
    /// reporting the instance gone).
    var drainActions: [String: Int64] = [:]
    /// Contents whose predictor has a search or fit running.
    var modelBusy: Set<String> = []
    /// Deploys whose edge has not answered the create yet, by action id: they count as on
    /// their way, so neither a plan nor a reaction asks for them twice.
    public internal(set) var requested: [Int64: ActionRecord] = [:]
    /// The reacting contents' lookups read within the open interval, and the reactions it had.
    var demandWindow = DemandWindow()
    var reactions = 0
    /// Deploys made by reactions since the loop started.
    public internal(set) var reactiveDeploys = 0
    /// The loop has resumed and reconciled: it plans, reacts and holds from now on.
    public internal(set) var resumed = false
    /// Deploys on their way, per content: when each is expected ready, by action id (the
    /// hold gates open only while one is).
    var expected: [String: [Int64: ExpectedReady]] = [:]
    /// Refusals already announced, as "edge instance reason" (bounded: past it they are only counted).
    var refusedReports: Set<String> = []
    /// Contents whose DNS hold gate has been set.
    var gated: Set<String> = []
    /// The core's static instances per content: they serve from the start.
    let staticInstances: [String: Int]

    public init(configuration: AugurConfiguration, settings: LoopSettings, models: [String: ModelChoice], edges: some Sequence<String>) {
        self.configuration = configuration
        self.settings = settings
        admission = ReportAdmission(configuration: configuration)
        planner = IntervalPlanner(configuration: configuration, settings: settings)
        book = DemandBook(choices: models, defersWork: true)
        regional = RegionalShares(regions: configuration.topology.regions.map(\.name), seasons: models.compactMapValues(\.season))
        self.edges = Set(edges)
        staticInstances = Dictionary(grouping: configuration.topology.core.staticInstances, by: \.content).mapValues(\.count)
    }

    // MARK: Resuming

    /// How many of the newest stored counts the predictors are rebuilt from.
    public var countsKept: Int { book.entries.values.map(\.choice.countsKept).max() ?? ModelChoice.predictorMemory }

    /// Takes up what a previous run stored: its progress, each content's newest counts
    /// (oldest first; the predictors are rebuilt from them), the newest intervals' regional
    /// counts (oldest first; the regional shares are rebuilt from them) and its instances, of
    /// which `removing` were being removed. Nothing is answered until the edges confirm it.
    public mutating func restore(
        progress saved: LoopProgress?, history: [String: [Double]], regionalHistory: [RegionalCounts] = [], instances: [EdgeInstance], removing: Set<String>
    ) {
        if let saved {
            progress = saved
            for (content, entry) in book.entries {
                book.choose(entry.choice, for: content, history: Array((history[content] ?? []).suffix(entry.choice.countsKept)))
            }
            for counts in regionalHistory.suffix(regional.intervalsKept) { regional.observe(totals: counts.totals, byRegion: counts.byRegion) }
        }
        fleet = Fleet(restoring: instances, removing: removing, edges: edges.sorted())
    }

    /// The loop has reconciled after restoring: it plans, reacts and holds from now on.
    public mutating func finishResume(at time: LoopTime) -> [LoopAction] {
        resumed = true
        return scheduleModelWork() + [thresholds()] + planner.reacting.sorted().flatMap { gate($0, at: time) }
    }

    // MARK: The interval

    /// A closed interval as planned and not yet acted on, with what served each content as
    /// it closed.
    public struct ClosedInterval: Sendable {
        public var record: IntervalRecord
        public let readyNext: [String: ReadyCapacity]
    }

    /// Closes interval `progress.intervals` with `lookups` per content (and `byRegion`, per
    /// content and region, those of clients placed in a region): the predictors and the
    /// regional shares observe, and past training the optimizer plans. The actions are
    /// numbered, not started (`act(on:at:)`); the tick's cost is left to the caller, who times it.
    public mutating func closeInterval(lookups: [String: Int], byRegion: [String: [String: Int]] = [:], start: Date, end: Date) -> ClosedInterval {
        let ready = configuration.catalog.contents.reduce(into: [String: ReadyCapacity]()) { ready, item in
            let capacity = readyCapacity(item.name)
            if capacity.instances > 0 { ready[item.name] = capacity }
        }
        let counts = Dictionary(uniqueKeysWithValues: configuration.catalog.contents.map { ($0.name, lookups[$0.name] ?? 0) })
        regional.observe(totals: counts, byRegion: byRegion)
        var record = planner.close(
            lookups: counts, start: start, end: end, book: &book, progress: &progress, fleet: fleet, operated: edges, requested: Array(requested.values),
            regional: regional, regionalLookups: byRegion)
        demandWindow.startInterval()
        reactions = 0
        record.actions = record.actions.enumerated().map { index, action in
            var numbered = action
            numbered.id = Int64(record.interval) << 32 | Int64(index)
            return numbered
        }
        return ClosedInterval(record: record, readyNext: ready)
    }

    /// Acts on a closed interval: stores its actions and the progress, takes the drains'
    /// addresses out of DNS (one table for the whole plan), starts every action, and keeps
    /// the interval's records.
    public mutating func act(on closed: ClosedInterval, at time: LoopTime) -> [LoopAction] {
        let record = closed.record
        latest = record
        var actions: [LoopAction] = [.storeDecisions(record.actions, progress)]
        actions.append(.publish(record.actions.filter { $0.kind == .drain }.compactMap(\.instance).flatMap { fleet.beginRemoval($0) }))
        for action in record.actions { actions += start(action, at: time) }
        actions.append(thresholds())
        actions.append(.storeInterval(record, readyNext: closed.readyNext))
        return actions + scheduleModelWork()
    }

    /// An interval the stop cut short: its counts cover a part of an interval, so storing
    /// them as one would teach the predictors a fall in demand that never was and plan on
    /// it. It is not stored, the progress stays where the last whole interval left it, and
    /// only an event says what was counted.
    public func intervalCutShort(seconds: Double, lookups: Int, at time: LoopTime) -> [LoopAction] {
        [event("interval", "\(progress.intervals)", String(
            format: "cut short by the stop after %.1f s of %.1f s: its %d lookups are neither stored as an interval nor planned on",
            seconds, settings.intervalSeconds, lookups), at: time)]
    }

    // MARK: What every event may say

    func event(_ kind: String, _ subject: String, _ message: String, at time: LoopTime) -> LoopAction {
        .event(LoopEvent(at: time.date, kind: kind, subject: subject, message: message))
    }

    /// `instance` as its edge reported it: the fleet (and so DNS) follows, and its row is kept.
    mutating func observe(_ instance: EdgeInstance, at time: LoopTime) -> [LoopAction] {
        [.publish(fleet.observe(instance)), record(instance, at: time)]
    }

    func record(_ instance: EdgeInstance, at time: LoopTime) -> LoopAction {
        .record(instance, removing: fleet.members[instance.spec.id]?.removing ?? false, at: time.date)
    }

    func outcome(
        _ id: Int64?, _ outcome: ActionRecord.Outcome, kind: ActionRecord.Kind, instance: String? = nil, detail: String? = nil, at time: LoopTime
    ) -> LoopAction {
        .outcome(kind, outcome, stored: id.map { ActionOutcome(action: $0, outcome: outcome, instance: instance, detail: detail, at: time.date) })
    }
}
