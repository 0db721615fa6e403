import AugurModel
import DNSBalancer
import EdgeLink
import Foundation
import Logging
import Metrics
import Planning

/// The orchestrator: it hands each event to `LoopDecisions`, where everything is decided, and
/// performs the actions that come back (`ControlLoop+Performing`). Once per closed counting
/// interval it reconciles with what the edges run, plans and acts; within an interval it
/// reads the reacting contents' demand (`+Demand`); the edges' lists come under one
/// deadline (`+Edges`). Deploys, removals and model work run as jobs, child tasks of
/// `run`, whose answers come back as events: a tick never waits for one, and a result that
/// comes late is used from the next interval. Every moment an event carries, every wait and
/// every stamp comes from the one `LoopClock`.
/// Everything is stored, so a restarted loop resumes: it rebuilds the predictors from the
/// stored counts, reloads the fleet, and answers nothing until the edges confirm it.
public actor ControlLoop {
    public nonisolated let settings: LoopSettings
    /// The loop's news as it happens, for the API's event stream.
    public nonisolated let feed = LoopFeed()
    let configuration: AugurConfiguration
    /// Everything decided so far (see `LoopDecisions`).
    var decisions: LoopDecisions
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
    /// Instance rows and events not handed to the record sink yet (see `PendingWrites`).
    var pending = PendingWrites()
    /// Deploy, removal and model jobs started and not yet ended.
    public internal(set) var jobsInFlight = 0
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
        self.settings = settings
        self.edges = Dictionary(uniqueKeysWithValues: edges.map { ($0.edge, $0) })
        decisions = LoopDecisions(configuration: configuration, settings: settings, models: models, edges: edges.map(\.edge))
        self.pools = pools
        self.store = store
        metrics = LoopMetrics(factory: metricsFactory)
        self.logger = logger
        (jobs, jobSink) = AsyncStream.makeStream()
    }

    /// Deploys made by reactions since the loop started.
    public var reactiveDeploys: Int { decisions.reactiveDeploys }

    /// The loop has resumed from the store and reconciled: it plans, reacts and holds from now on.
    public var resumed: Bool { decisions.resumed }

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

    /// Reloads the content changes, progress and fleet a previous run stored, rebuilds the
    /// predictors from the stored counts, then reconciles.
    public func resume() async {
        do {
            for (name, change) in try store.contentChanges() {
                do { try updateContent(name, change) } catch { logger.warning("a stored content change no longer applies", metadata: ["content": "\(name)", "error": "\(error)"]) }
            }
            let saved = try store.loadProgress()
            let history = saved == nil ? [:] : try store.recentCounts(limit: decisions.countsKept)
            let kept = decisions.regional.intervalsKept
            let regional = saved == nil || kept == 0 ? [] : try store.recentRegionalCounts(intervals: kept)
            decisions.restore(progress: saved, history: history, regionalHistory: regional, instances: try store.instances(), removing: try store.instancesBeingRemoved())
            logger.info("loop resumed", metadata: ["loop.intervals": "\(decisions.progress.intervals)", "loop.instances": "\(decisions.fleet.live.count)"])
        } catch {
            logger.error("cannot read the stored state; starting empty", metadata: ["error": "\(error)"])
        }
        await reconcile()
        handle { $0.finishResume(at: $1) }
    }

    /// Handles one closed interval and returns its record.
    @discardableResult
    public func tick(_ snapshot: IntervalSnapshot) async -> IntervalRecord {
        // The tick's own cost, a measurement, on the machine's clock (see `LoopClock`).
        let started = ContinuousClock.now
        await reconcile()
        let byRegion = snapshot.counts.contents.compactMapValues { $0.byRegion.isEmpty ? nil : $0.byRegion }
        var closed = decisions.closeInterval(lookups: snapshot.counts.contents.mapValues(\.total), byRegion: byRegion, start: snapshot.start, end: snapshot.end)
        closed.record.tickMilliseconds = (ContinuousClock.now - started).inSeconds * 1_000
        // Stored first, then acted on (see `LoopDecisions.act`).
        handle { $0.act(on: closed, at: $1) }
        report(closed.record)
        feed.publish(.interval(closed.record.interval))
        return closed.record
    }

    /// Notes an interval the stop cut short (see `LoopDecisions.intervalCutShort`).
    public func setAside(_ snapshot: IntervalSnapshot) {
        let seconds = snapshot.end.timeIntervalSince(snapshot.start)
        handle { $0.intervalCutShort(seconds: seconds, lookups: snapshot.counts.total, at: $1) }
    }

    /// Hands one event to the decisions, at the clock's moment, and performs what they return.
    func handle(_ event: (inout LoopDecisions, LoopTime) -> [LoopAction]) {
        perform(event(&decisions, clock.time))
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
