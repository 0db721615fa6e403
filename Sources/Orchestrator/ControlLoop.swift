import AugurModel
import Deadline
import DNSBalancer
import EdgeLink
import EdgeWire
import Foundation
import Logging
import Metrics
import Planning

/// The orchestrator: once per closed counting interval it reconciles with what the edges run,
/// updates the predictors, plans, starts the plan's actions, and stores the interval.
/// A deploy's address enters DNS only once its edge reports it ready; a removal takes the
/// address out of DNS first, waits out the TTL, then has the edge drain and destroy it.
/// Order searches, backtests and SARIMA fits run as jobs off this actor: a tick never waits
/// for one, and a result that comes late is used from the next interval.
/// Within an interval, a content whose policy reacts has its lookups read every
/// `reactEvery`, and at once when a lookup passes what its instances serve: a surge no
/// forecast provisioned for gets instances where they are ready soonest, and DNS may hold
/// its lookups until they are (`HoldGate`).
/// The first season only trains (reactions serve it already). Everything is stored, so a
/// restarted loop resumes: it rebuilds the predictors from the stored counts, reloads the
/// fleet, and answers nothing until the edges confirm it.
/// This file holds the state, the job runner, resuming and the tick; the rest lives by
/// concern in `ControlLoop+Reactions` (within-interval reads, hold gates), `+Reconcile`
/// (edge lists, refused reports), `+Instances` (deploys, settling, removals), `+Models`,
/// `+Records` (rows, events, DNS pool changes, metrics), `+Content` and `+Reading`.
public actor ControlLoop {
    public nonisolated let settings: LoopSettings
    /// The loop's news as it happens, for the API's event stream.
    public nonisolated let feed = LoopFeed()
    let configuration: AugurConfiguration
    /// What an edge may report: the rest is refused before it reaches the fleet or DNS.
    let admission: ReportAdmission
    var planner: IntervalPlanner
    let edges: [String: any EdgeConnection]
    public nonisolated let pools: DNSPools
    let store: StateStore
    /// Where the records the loop does not act on go (instance rows, events, series, outcomes).
    let records: any LoopRecordSink
    let metrics: LoopMetrics
    /// Where model work runs (never the cooperative pool: see `ModelWorkExecutor`).
    let modelWork: ModelWorkExecutor
    let logger: Logger
    /// What the loop waits on, compares and stamps by (see `LoopClock`): a test's moves by hand.
    let clock: LoopClock
    var book: DemandBook
    var progress = LoopProgress()
    var fleet = Fleet()
    var latest: IntervalRecord?

    /// Per edge, where its last list left off: the next asks only for what changed since.
    var cursors: [String: InstanceCursor] = [:]
    /// Reconciles so far (the edges take turns listing everything, see `LoopSettings.wholeListEvery`).
    var reconciles = 0
    /// Edges whose loss was announced (so their return is announced too).
    var lostEdges: Set<String> = []
    /// Instances that have a deploy or removal job running.
    var watched: Set<String> = []
    /// Drain actions waiting for their instance's removal to end, by instance. A drain that
    /// finds its instance watched (a job following it up has not finished) starts no removal
    /// of its own; the removal that starts when that job ends answers for it (or the edge
    /// reporting the instance gone).
    var drainActions: [String: Int64] = [:]
    /// Instance rows and events not stored yet (see `PendingWrites`).
    var pending = PendingWrites()
    /// Contents whose predictor has a search or fit running.
    var modelBusy: Set<String> = []
    /// Deploys whose edge has not answered the create yet, by action id: they count as on
    /// their way, so neither a plan nor a reaction asks for them twice.
    var requested: [Int64: ActionRecord] = [:]
    /// The reacting contents' lookups read within the open interval, and the reactions it had.
    var demandWindow = DemandWindow()
    var reactions = 0
    /// Deploys made by reactions since the loop started.
    public internal(set) var reactiveDeploys = 0
    /// The loop has resumed from the store and reconciled: it plans, reacts and holds from now on.
    public internal(set) var resumed = false
    /// Deploy, removal and model jobs started and not yet ended.
    public internal(set) var jobsInFlight = 0
    /// Deploys on their way, per content: when each is expected ready (on the loop's clock),
    /// by action id (the hold gates open only while one is).
    var expected: [String: [Int64: Duration]] = [:]
    /// Refusals already logged, as "edge instance reason" (bounded: past it they are only counted).
    var refusedReports: Set<String> = []
    /// Contents whose DNS hold gate the loop has set.
    var gated: Set<String> = []
    /// The core's static instances per content: they serve from the start.
    let staticInstances: [String: Int]
    let jobs: AsyncStream<@Sendable () async -> Void>
    let jobSink: AsyncStream<@Sendable () async -> Void>.Continuation

    public init(
        configuration: AugurConfiguration, settings: LoopSettings, models: [String: ModelChoice], edges: [any EdgeConnection],
        pools: DNSPools, store: StateStore, metricsFactory: any MetricsFactory, logger: Logger, clock: LoopClock = .machine,
        records: (any LoopRecordSink)? = nil, modelWork: ModelWorkExecutor = .shared
    ) {
        self.modelWork = modelWork
        self.records = records ?? SQLiteRecordWriter(store: store, logger: logger)
        self.clock = clock
        self.configuration = configuration
        admission = ReportAdmission(configuration: configuration)
        self.settings = settings
        planner = IntervalPlanner(configuration: configuration, settings: settings)
        self.edges = Dictionary(uniqueKeysWithValues: edges.map { ($0.edge, $0) })
        self.pools = pools
        self.store = store
        metrics = LoopMetrics(factory: metricsFactory)
        self.logger = logger
        book = DemandBook(choices: models, defersWork: true)
        staticInstances = Dictionary(grouping: configuration.topology.core.staticInstances, by: \.content).mapValues(\.count)
        (jobs, jobSink) = AsyncStream.makeStream()
    }

    /// Resumes from the store, then handles every closed interval until the stream ends (one
    /// cut short by a stop is set aside, not planned on), reading the
    /// reacting contents' lookups meanwhile; deploy and removal jobs run as child tasks and
    /// are awaited (or cancelled) before it returns.
    public func run(snapshots: AsyncStream<IntervalSnapshot>) async {
        await resume()
        await withDiscardingTaskGroup { group in
            group.addTask {
                await withDiscardingTaskGroup { feed in
                    feed.addTask { await self.watchDemand() }
                    for await snapshot in snapshots {
                        if snapshot.complete { await self.tick(snapshot) } else { await self.setAside(snapshot) }
                    }
                    feed.cancelAll()
                }
                await self.finishJobs()
            }
            for await job in jobs { group.addTask { await job() } }
        }
        await records.drained()
    }

    /// Returns once every record submitted so far is stored.
    public func recordsStored() async {
        await records.drained()
    }

    func finishJobs() {
        jobSink.finish()
    }

    /// Runs `job` as a child of `run`, counted in `jobsInFlight` until it ends.
    func enqueue(_ job: @escaping @Sendable () async -> Void) {
        jobsInFlight += 1
        jobSink.yield {
            await job()
            await self.jobEnded()
        }
    }

    func jobEnded() {
        jobsInFlight -= 1
    }

    /// Reloads the progress, content changes and fleet a previous run stored, rebuilds the
    /// predictors from the stored counts, then reconciles.
    public func resume() async {
        do {
            for (name, change) in try store.contentChanges() {
                do { try updateContent(name, change) } catch { logger.warning("a stored content change no longer applies", metadata: ["content": "\(name)", "error": "\(error)"]) }
            }
            if let saved = try store.loadProgress() {
                progress = saved
                let history = try store.recentCounts(limit: book.entries.values.map(\.choice.countsKept).max() ?? ModelChoice.predictorMemory)
                for (content, entry) in book.entries {
                    book.choose(entry.choice, for: content, history: Array((history[content] ?? []).suffix(entry.choice.countsKept)))
                }
            }
            fleet = Fleet(restoring: try store.instances(), removing: try store.instancesBeingRemoved(), edges: Array(edges.keys))
            logger.info("loop resumed", metadata: ["loop.intervals": "\(progress.intervals)", "loop.instances": "\(fleet.live.count)"])
        } catch {
            logger.error("cannot read the stored state; starting empty", metadata: ["error": "\(error)"])
        }
        scheduleModelWork()
        await reconcile()
        armThresholds()
        for content in planner.reacting { refreshGate(content) }
        flush()
        resumed = true
    }

    /// Handles one closed interval and returns its record.
    @discardableResult
    public func tick(_ snapshot: IntervalSnapshot) async -> IntervalRecord {
        // The tick's own cost, a measurement, on the machine's clock (see `LoopClock`).
        let started = ContinuousClock.now
        await reconcile()
        // What serves each content as the next interval begins, stored with it (the dashboard's ready capacity).
        let ready = configuration.catalog.contents.reduce(into: [String: ReadyCapacity]()) { ready, item in
            let capacity = readyCapacity(item.name)
            if capacity.instances > 0 { ready[item.name] = capacity }
        }
        let lookups = Dictionary(uniqueKeysWithValues: configuration.catalog.contents.map { ($0.name, snapshot.counts.contents[$0.name]?.total ?? 0) })
        var record = planner.close(
            lookups: lookups, start: snapshot.start, end: snapshot.end, book: &book, progress: &progress, fleet: fleet, operated: Set(edges.keys),
            requested: Array(requested.values))
        demandWindow.startInterval()
        reactions = 0
        let interval = record.interval
        scheduleModelWork()
        let elapsed = ContinuousClock.now - started
        record.tickMilliseconds = elapsed.inSeconds * 1_000
        record.actions = record.actions.enumerated().map { index, action in
            var numbered = action
            numbered.id = Int64(interval) << 32 | Int64(index)
            return numbered
        }
        latest = record
        // Act first, then store: the jobs reach this actor (and the action rows) only after
        // this tick returns, so the transaction is not on the counts → actions path.
        // The drains' addresses leave DNS together: one published table for the whole plan.
        apply(record.actions.filter { $0.kind == .drain }.compactMap(\.instance).flatMap { fleet.beginRemoval($0) })
        for action in record.actions { start(action) }
        armThresholds()
        do {
            try store.recordDecisions(record.actions, progress: progress)
        } catch {
            logger.error("cannot store the interval's actions and progress", metadata: ["loop.interval": "\(interval)", "error": "\(error)"])
        }
        records.submit(RecordBatch(interval: IntervalSeries(record: record, readyNext: ready), pending: pending))
        pending = PendingWrites()
        report(record)
        feed.publish(.interval(interval))
        return record
    }

    /// Notes an interval the stop cut short. Its counts cover a part of an interval, so
    /// storing them as one would teach the predictors a fall in demand that never was and
    /// plan on it: the interval is not stored, the progress stays where the last whole
    /// interval left it, and only an event says what was counted.
    public func setAside(_ snapshot: IntervalSnapshot) {
        let seconds = snapshot.end.timeIntervalSince(snapshot.start)
        event("interval", "\(progress.intervals)", String(
            format: "cut short by the stop after %.1f s of %.1f s: its %d lookups are neither stored as an interval nor planned on",
            seconds, settings.intervalSeconds, snapshot.counts.total))
        flush()
    }

}

/// Why the loop could not do something.
public enum LoopError: Error, Sendable, CustomStringConvertible {
    case edgeTimeout(Duration)

    public var description: String {
        switch self {
        case .edgeTimeout(let limit): "the edge did not answer within \(limit)"
        }
    }
}
