import AugurModel
import Deadline
import DNSBalancer
import EdgeLink
import EdgeWire
import Foundation
import Logging
import Metrics
import Optimizer
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
public actor ControlLoop {
    public nonisolated let settings: LoopSettings
    /// The loop's news as it happens, for the API's event stream.
    public nonisolated let feed = LoopFeed()
    let configuration: AugurConfiguration
    /// What an edge may report: the rest is refused before it reaches the fleet or DNS.
    let admission: ReportAdmission
    private(set) var planner: IntervalPlanner
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
    private(set) var book: DemandBook
    private(set) var progress = LoopProgress()
    private(set) var fleet = Fleet()
    private(set) var latest: IntervalRecord?

    /// Edges whose loss was announced (so their return is announced too).
    private var lostEdges: Set<String> = []
    /// Instances that have a deploy or removal job running.
    private var watched: Set<String> = []
    /// Drain actions waiting for their instance's removal to end, by instance. A drain that
    /// finds its instance watched (a job following it up has not finished) starts no removal
    /// of its own; the removal that starts when that job ends answers for it (or the edge
    /// reporting the instance gone).
    private var drainActions: [String: Int64] = [:]
    /// Instance rows and events not stored yet (see `PendingWrites`).
    private var pending = PendingWrites()
    /// Contents whose predictor has a search or fit running.
    private var modelBusy: Set<String> = []
    /// Deploys whose edge has not answered the create yet, by action id: they count as on
    /// their way, so neither a plan nor a reaction asks for them twice.
    private var requested: [Int64: ActionRecord] = [:]
    /// The reacting contents' lookups read within the open interval, and the reactions it had.
    private var demandWindow = DemandWindow()
    private var reactions = 0
    /// Deploys made by reactions since the loop started.
    public private(set) var reactiveDeploys = 0
    /// The loop has resumed from the store and reconciled: it plans, reacts and holds from now on.
    public private(set) var resumed = false
    /// Deploy, removal and model jobs started and not yet ended.
    public private(set) var jobsInFlight = 0
    /// Deploys on their way, per content: when each is expected ready (on the loop's clock),
    /// by action id (the hold gates open only while one is).
    private var expected: [String: [Int64: Duration]] = [:]
    /// Refusals already logged, as "edge instance reason" (bounded: past it they are only counted).
    private var refusedReports: Set<String> = []
    /// Contents whose DNS hold gate the loop has set.
    private var gated: Set<String> = []
    /// The core's static instances per content: they serve from the start.
    private let staticInstances: [String: Int]
    private let jobs: AsyncStream<@Sendable () async -> Void>
    private let jobSink: AsyncStream<@Sendable () async -> Void>.Continuation

    public init(
        configuration: AugurConfiguration, settings: LoopSettings, models: [String: ModelChoice], edges: [any EdgeConnection],
        pools: DNSPools, store: StateStore, metricsFactory: any MetricsFactory, logger: Logger, clock: LoopClock = LoopClock(ContinuousClock()),
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

    // MARK: Running

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

    /// Reads the lookups every `reactEvery` of the loop's clock and whenever a lookup crosses
    /// a reacting content's threshold, until cancelled.
    private nonisolated func watchDemand() async {
        let every = settings.reactEvery
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await _ in self.pools.counters.crossings { await self.react(crossing: true) }
            }
            group.addTask {
                while !Task.isCancelled {
                    do { try await self.clock.sleep(for: every) } catch { return }
                    await self.react(crossing: false)
                }
            }
        }
    }

    /// Deploys, within the interval, what the reacting contents' demand so far needs beyond
    /// what serves or is on its way. `crossing`: a lookup passed a threshold (the counts are
    /// taken as they are); else a periodic read, `reactEvery` after the last.
    public func react(crossing: Bool) async {
        let reacting = planner.reacting
        guard !reacting.isEmpty else { return }
        let counts = pools.counters.peek().filter { reacting.contains($0.key) }
        let projected = crossing
            ? demandWindow.current(counts)
            : demandWindow.read(counts, windowSeconds: settings.reactEvery.inSeconds, intervalSeconds: settings.intervalSeconds)
        let actions = planner.react(
            lookups: counts, projected: projected, at: clock.date, progress: &progress, fleet: fleet, operated: Set(edges.keys),
            requested: Array(requested.values), earlier: reactions)
        guard !actions.isEmpty else { return }
        reactions += actions.count
        reactiveDeploys += actions.count
        for action in actions {
            do { try store.recordAction(action) } catch {
                logger.error("cannot store a reactive action", metadata: ["action.id": "\(action.id ?? 0)", "error": "\(error)"])
            }
            event("react", action.content, "\(action.reason)\(crossing ? " (a lookup passed what serves)" : "")")
            start(action)
        }
        armThresholds()
        flush()
    }

    /// Has the DNS counters call for a check at the lookup past each reacting content's capacity.
    private func armThresholds() {
        pools.counters.watch(planner.thresholds(fleet: fleet, operated: Set(edges.keys), requested: Array(requested.values)))
    }

    private func finishJobs() {
        jobSink.finish()
    }

    /// Runs `job` as a child of `run`, counted in `jobsInFlight` until it ends.
    private func enqueue(_ job: @escaping @Sendable () async -> Void) {
        jobsInFlight += 1
        jobSink.yield {
            await job()
            await self.jobEnded()
        }
    }

    private func jobEnded() {
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

    // MARK: Reconciling

    /// Lists every edge (in parallel, bounded); an edge that answers is the truth for its
    /// instances, one that does not has its instances taken out of DNS. A list applies to
    /// the fleet as it is when the list arrives: what a job observed meanwhile stands.
    /// Instances still on their way up or out get a job that follows them. What it learns is
    /// left pending for the caller to store.
    func reconcile() async {
        let timeout = settings.edgeTimeout
        let clock = clock.clock
        let asOf = fleet.generation
        // The node's state too: its runtimes, and the images it has (an eviction drops them).
        let reports = await withTaskGroup(of: (String, Result<([EdgeInstance], NodeState), any Error>).self) { group in
            for (name, edge) in edges {
                group.addTask {
                    (name, await Self.bounded(timeout, on: clock) { (try await edge.instances(), try await edge.node()) })
                }
            }
            var collected: [String: Result<([EdgeInstance], NodeState), any Error>] = [:]
            for await (name, result) in group { collected[name] = result }
            return collected
        }
        for (edge, result) in reports.sorted(by: { $0.key < $1.key }) {
            switch result {
            case .success(let (listed, state)):
                let instances = listed.filter { refusal(of: $0, from: edge) == nil }
                fleet.learn(state)
                if lostEdges.remove(edge) != nil { event("edge", edge, "edge answers again; its ready instances are answered again") }
                // The store keeps what changed: a report that repeats an instance's phase is not written again.
                let known = Dictionary(uniqueKeysWithValues: instances.compactMap { reported in
                    fleet.members[reported.spec.id].map { (reported.spec.id, ($0.instance.phase, $0.instance.failure)) }
                })
                let (changes, applied, vanished) = fleet.reconcile(edge: edge, report: instances, asOf: asOf)
                apply(changes)
                for instance in applied where known[instance.spec.id].map({ $0 != (instance.phase, instance.failure) }) ?? true { persist(instance) }
                for instance in vanished {
                    persist(instance)
                    event("gone", instance.spec.id, "\(edge) no longer has it")
                    if let drain = drainActions.removeValue(forKey: instance.spec.id) {
                        outcome(drain, .removed, kind: .drain, instance: instance.spec.id, detail: "\(edge) no longer has it")
                    }
                }
                metrics.edgeReachable(edge, true)
            case .failure(let error):
                if lostEdges.insert(edge).inserted { event("edge", edge, "edge unreachable; its instances leave DNS: \(error)") }
                apply(fleet.lost(edge: edge))
                metrics.edgeReachable(edge, false)
            }
        }
        for member in fleet.live where !watched.contains(member.instance.spec.id) && !fleet.unreachable.contains(member.instance.spec.edge) {
            if member.removing {
                enqueueRemoval(member.instance.spec.id, action: nil)
            } else if member.instance.phase == .pulling || member.instance.phase == .booting {
                follow(member.instance.spec.id, edge: member.instance.spec.edge, action: nil)
            }
        }
    }

    // MARK: Acting

    private func start(_ action: ActionRecord) {
        switch action.kind {
        case .deploy:
            guard let name = action.edge, let edge = edges[name], let flavor = action.flavor else {
                outcome(action.id, .failed, kind: .deploy, detail: "no operator for \(action.edge ?? "?")")
                return
            }
            if let id = action.id {
                requested[id] = action
                let seconds = planner.builder.secondsToReady(content: action.content, flavor: flavor, edge: name, fleet: fleet) ?? 0
                expected[action.content, default: [:]][id] = clock.now + .milliseconds(Int64(seconds * 1_000))
                refreshGate(action.content)
            }
            enqueue { await self.deploy(action, edge: edge, flavor: flavor) }
        case .drain:
            // Its address already left DNS with the plan's other drains (`tick`, one table).
            guard let id = action.instance else { return }
            // Stored with the tick's records.
            if let instance = fleet.members[id]?.instance { persist(instance) }
            enqueueRemoval(id, action: action.id)
        }
    }

    private func deploy(_ action: ActionRecord, edge: any EdgeConnection, flavor: String) async {
        do {
            let created = try await edge.create(CreateInstanceRequest(content: action.content, flavor: flavor))
            if let id = action.id { requested[id] = nil }
            try admit(created, from: edge.edge)
            observe(created)
            outcome(action.id, .requested, kind: .deploy, instance: created.spec.id)
            event("deploy", created.spec.id, "requested on \(edge.edge) at \(created.spec.address): \(action.reason)")
            // Stored before waiting: a process killed meanwhile keeps the record.
            flush()
            await settle(created.spec.id, edge: edge, action: action.id)
        } catch {
            if let id = action.id { requested[id] = nil }
            outcome(action.id, .failed, kind: .deploy, detail: "\(error)")
            event("deploy", action.content, "deploy of \(flavor) on \(edge.edge) failed: \(error)")
        }
        if let id = action.id { expected[action.content]?[id] = nil }
        refreshGate(action.content)
        flush()
    }

    /// Tells DNS whether lookups of `content` past what its ready instances serve may be held:
    /// only while a deploy is on its way and expected ready within the content's hold bound.
    private func refreshGate(_ content: String) {
        let bound = planner.policies[content].flatMap(settings.holdBound)
        guard bound != nil || gated.contains(content), let gate = pools.counters.gate(content) else { return }
        guard let bound else {
            gated.remove(content)
            gate.update(readyLookups: .max, readyIn: nil, bound: nil)
            return
        }
        gated.insert(content)
        let now = clock.now
        let readyIn = expected[content]?.values.min().map { $0 - now }.flatMap { $0 > .zero ? $0 : nil }
        gate.update(readyLookups: readyCapacity(content).lookups, readyIn: readyIn, bound: bound)
    }

    /// What serves `content` now: its answered instances and the core's static ones, and the
    /// lookups per interval they serve.
    private func readyCapacity(_ content: String) -> ReadyCapacity {
        let instances = fleet.answeredByContent[content, default: 0] + staticInstances[content, default: 0]
        return ReadyCapacity(instances: instances, lookups: instances * (planner.builder.profiles[content]?.capacityPerInstance ?? 0))
    }

    /// Follows an instance on its way up (a restart picks up the ones it finds booting).
    private func follow(_ id: String, edge name: String, action: Int64?) {
        guard let edge = edges[name] else { return }
        watched.insert(id)
        enqueue { await self.settle(id, edge: edge, action: action) }
    }

    private func settle(_ id: String, edge: any EdgeConnection, action: Int64?) async {
        watched.insert(id)
        do {
            let settled = try await edge.settled(id)
            try admit(settled, from: edge.edge)
            observe(settled)
            if settled.phase == .ready {
                outcome(action, .ready, kind: .deploy, instance: id, detail: settled.seconds["allocation"].map { String(format: "ready after %.3f s", $0) })
                event("ready", id, "serving at \(settled.spec.address) on \(edge.edge); answered by DNS")
            } else {
                outcome(action, .failed, kind: .deploy, instance: id, detail: settled.failure ?? "ended \(settled.phase.rawValue)")
                event("failed", id, "did not become ready: \(settled.failure ?? settled.phase.rawValue)")
            }
        } catch let refused as RefusedReport {
            outcome(action, .failed, kind: .deploy, instance: id, detail: "\(refused)")
        } catch {
            // The next reconcile finds it again and follows it from where it is.
            logger.warning("lost track of an instance on its way up", metadata: ["instance.id": "\(id)", "error": "\(error)"])
        }
        watched.remove(id)
        // Drained while it booted: its removal starts now rather than at the next reconcile.
        if fleet.members[id]?.removing == true { enqueueRemoval(id, action: nil) }
        flush()
    }

    private func enqueueRemoval(_ id: String, action: Int64?) {
        if let action { drainActions[id] = action }
        guard let member = fleet.members[id], let edge = edges[member.instance.spec.edge], !watched.contains(id) else { return }
        watched.insert(id)
        let grace = settings.dnsGraceSeconds
        let drain = settings.drainSeconds
        enqueue { await self.remove(id, edge: edge, grace: grace, drain: drain) }
    }

    private func remove(_ id: String, edge: any EdgeConnection, grace: Double, drain: Double) async {
        defer { watched.remove(id) }
        event("drain", id, "left DNS; destroyed after \(grace) s of TTL and at most \(drain) s of transfers")
        flush()
        do {
            try await clock.sleep(for: .milliseconds(Int64(grace * 1_000)))
        } catch {
            return  // Cancelled: the loop is stopping; a restart finishes the removal (it is stored as such).
        }
        do {
            let gone = try await edge.remove(id, drainSeconds: drain)
            observe(gone)
            outcome(drainActions.removeValue(forKey: id), .removed, kind: .drain, instance: id, detail: gone.seconds["removal"].map { String(format: "removed in %.3f s", $0) })
        } catch {
            // It stays marked for removal: the next reconcile tries again.
            outcome(drainActions.removeValue(forKey: id), .failed, kind: .drain, instance: id, detail: "\(error)")
            event("drain", id, "removal failed, retried at the next interval: \(error)")
        }
        flush()
    }

    // MARK: Models

    /// Starts, off this actor and on the model-work executor, the searches and fits the
    /// predictors wait for (one per content at a time).
    private func scheduleModelWork() {
        let executor = modelWork
        for work in book.work() where modelBusy.insert(work.content).inserted {
            enqueue {
                guard let result = await executor.run({ work.perform() }) else { return }
                await self.finishModelWork(result, content: work.content)
            }
        }
    }

    private func finishModelWork(_ result: DemandBook.WorkResult, content: String) {
        modelBusy.remove(content)
        book.apply(result)
        if case .settled(_, _, _, let reason) = result {
            event("model", content, "settled: \(reason)")
        }
        // A settled choice may want its first fit now.
        scheduleModelWork()
        flush()
    }

    // MARK: Bookkeeping

    /// Why `instance`, as `edge` reported it, may not enter the fleet (nil: it may); a refusal
    /// is counted, and logged (with an event) the first time for each instance.
    private func refusal(of instance: EdgeInstance, from edge: String) -> String? {
        guard let reason = admission.refusal(of: instance, from: edge) else { return nil }
        metrics.refusedReport(edge: edge)
        if refusedReports.count < 1_024, refusedReports.insert("\(edge) \(instance.spec.id) \(reason)").inserted {
            logger.warning("refused what an edge reported", metadata: ["edge.id": "\(edge)", "instance.id": "\(instance.spec.id)", "reason": "\(reason)"])
            event("refused", instance.spec.id, "\(edge) reported it and it is not answered: \(reason)")
        }
        return reason
    }

    private func admit(_ instance: EdgeInstance, from edge: String) throws(RefusedReport) {
        if let reason = refusal(of: instance, from: edge) { throw RefusedReport(edge: edge, reason: reason) }
    }

    private func observe(_ instance: EdgeInstance) {
        apply(fleet.observe(instance))
        persist(instance)
    }

    private func persist(_ instance: EdgeInstance) {
        pending.record(instance, removing: fleet.members[instance.spec.id]?.removing ?? false, at: clock.date)
        feed.publish(.fleet)
    }

    /// Hands what is pending to the record sink (see `SQLiteRecordWriter` for a failed store).
    private func flush() {
        guard !pending.isEmpty else { return }
        records.submit(RecordBatch(pending: pending))
        pending = PendingWrites()
    }

    /// Makes the DNS pools follow the fleet, with one published table for all of `changes`.
    private func apply(_ changes: [PoolChange]) {
        guard !changes.isEmpty else { return }
        var batch: [AddressChange] = []
        for change in changes {
            let (id, content, flavor, address, answered) = switch change {
            case .add(let id, let content, let flavor, let address): (id, content, flavor, address, true)
            case .remove(let id, let content, let flavor, let address): (id, content, flavor, address, false)
            }
            guard let ip = IPAddress(address) else {
                logger.error("cannot change the DNS pools", metadata: ["change": "\(change)", "error": "\(DNSPoolError.badAddress(count: 0))"])
                continue
            }
            batch.append(AddressChange(address: ip.bytes, content: content, flavor: flavor, answered: answered))
            logger.info(answered ? "answered" : "no longer answered", metadata: ["instance.id": "\(id)", "instance.address": "\(address)"])
        }
        for failure in pools.apply(batch) {
            logger.error("cannot change the DNS pools", metadata: ["change": "\(failure.change)", "error": "\(failure.error)"])
        }
    }

    private func outcome(_ id: Int64?, _ outcome: ActionRecord.Outcome, kind: ActionRecord.Kind, instance: String? = nil, detail: String? = nil) {
        metrics.action(kind: kind, outcome: outcome)
        feed.publish(.action)
        guard let id else { return }
        records.submit(RecordBatch(outcomes: [ActionOutcome(action: id, outcome: outcome, instance: instance, detail: detail, at: clock.date)]))
    }

    private func event(_ kind: String, _ subject: String, _ message: String) {
        logger.info("\(message)", metadata: ["event.kind": "\(kind)", "event.subject": "\(subject)"])
        let now = clock.date
        pending.append(.init(at: now, kind: kind, subject: subject, message: message))
        feed.publish(.event(EventView(at: now, kind: kind, subject: subject, message: message)))
    }

    private func report(_ record: IntervalRecord) {
        var perEdge: [String: [String: Int]] = [:]
        for member in fleet.live { perEdge[member.instance.spec.edge, default: [:]][member.instance.phase.rawValue, default: 0] += 1 }
        for edge in edges.keys {
            for phase in InstancePhase.allCases where !phase.isFinal {
                metrics.instances(edge: edge, phase: phase.rawValue, count: perEdge[edge]?[phase.rawValue] ?? 0)
            }
        }
        for (content, count) in record.lookups { metrics.lookups(content: content, count: count) }
        for (content, steps) in record.forecasts { if let next = steps.first { metrics.forecast(content: content, mean: next.mean) } }
        metrics.tick(milliseconds: record.tickMilliseconds)
        logger.info("interval planned", metadata: [
            "loop.interval": "\(record.interval)", "loop.training": "\(record.training)",
            "loop.lookups": .dictionary(record.lookups.mapValues { .stringConvertible($0) }),
            "loop.forecast": .dictionary(record.forecasts.mapValues { .string($0.first.map { String(format: "%.1f", $0.mean) } ?? "-") }),
            "loop.actions": "\(record.actions.count)", "loop.unmet": "\(record.unmet.count)",
            "loop.tick_ms": "\(String(format: "%.2f", record.tickMilliseconds))",
        ])
    }

    // MARK: Content changes

    /// Changes a content at run time: its capacity per instance, the flavors deployed for it
    /// (in order of preference, among those its DNS name serves), its model or its policy. The change is
    /// stored and outlives a restart.
    public func updateContent(_ name: String, _ change: ContentChange) throws(ContentChangeError) {
        guard let item = configuration.catalog.item(named: name), var profile = planner.builder.profiles[name] else { throw .unknownContent(name) }
        if let capacity = change.capacity {
            guard capacity >= 1 else { throw .invalid(name, "capacity must be at least 1, not \(capacity)") }
            profile.capacityPerInstance = capacity
        }
        if let flavors = change.flavors {
            let unknown = flavors.filter { !item.flavors.contains($0) }
            guard unknown.isEmpty, !flavors.isEmpty else {
                throw .invalid(name, "flavors must be a non-empty list among \(item.flavors.joined(separator: ", ")); not served: \(unknown.joined(separator: ", "))")
            }
            profile.flavors = flavors
        }
        if let policy = change.policy {
            planner.policies[name] = policy
            refreshGate(name)
        }
        if let text = change.model {
            let choice: ModelChoice
            do { choice = try ModelChoice(parsing: text) } catch { throw .invalid(name, error.description) }
            var history: [Double] = []
            do {
                history = try store.counts(of: name, limit: choice.countsKept).map { Double($0.lookups) }
            } catch {
                logger.error("cannot read the stored counts; the new model starts without history", metadata: ["content": "\(name)", "error": "\(error)"])
            }
            book.choose(choice, for: name, history: history)
        }
        planner.builder.profiles[name] = profile
        scheduleModelWork()
        do {
            try store.recordContentChange(name, change)
        } catch {
            logger.error("cannot store a content change", metadata: ["content": "\(name)", "error": "\(error)"])
        }
        event("content", name, "changed: capacity \(profile.capacityPerInstance), flavors \(profile.flavors.joined(separator: ",")), model \(book.entries[name]?.choice.description ?? "-"), policy \(planner.policies[name]?.rawValue ?? "-")")
        armThresholds()
        flush()
    }

    /// The content as the loop uses it now.
    public func contents() -> [ContentView] {
        configuration.catalog.contents.map { item in
            let entry = book.entries[item.name]
            return ContentView(
                name: item.name, sizeBytes: item.sizeBytes, capacity: planner.builder.profiles[item.name]?.capacityPerInstance ?? item.capacity,
                flavors: planner.builder.profiles[item.name]?.flavors ?? item.flavors, servedFlavors: item.flavors,
                model: entry?.choice.description ?? "-", modelInUse: entry?.modelInUse, policy: planner.policies[item.name] ?? settings.scaling)
        }
    }

    // MARK: Reading

    /// The fleet as the API shows it.
    public func members() -> [Fleet.Member] { fleet.live }

    public func unreachableEdges() -> Set<String> { fleet.unreachable }

    public func latestInterval() -> IntervalRecord? { latest }

    public func intervalsClosed() -> Int { progress.intervals }

    public func edgeNames() -> [String] { Array(edges.keys) }

    /// What the dashboard's overview reads of the loop, in one hop.
    public struct OverviewState: Sendable {
        public var contents: [ContentView]
        /// The fleet's live members (not gone or failed).
        public var members: [Fleet.Member]
        public var unreachable: Set<String>
        public var reports: [String: NodeState]
        public var nodes: [Node]
        public var latest: IntervalRecord?
        public var intervalsClosed: Int
        /// Deploys asked for and not yet created, per content.
        public var requested: [String: Int]
        public var ready: [String: ReadyCapacity]
    }

    public func overviewState() -> OverviewState {
        OverviewState(
            contents: contents(), members: fleet.live, unreachable: fleet.unreachable, reports: fleet.nodes, nodes: configuration.topology.nodes, latest: latest,
            intervalsClosed: progress.intervals, requested: Dictionary(grouping: requested.values, by: \.content).mapValues(\.count),
            ready: Dictionary(uniqueKeysWithValues: configuration.catalog.contents.map { ($0.name, readyCapacity($0.name)) }))
    }

    static func bounded<T: Sendable>(
        _ limit: Duration, on clock: any Clock<Duration>, _ body: @escaping @Sendable () async throws -> T
    ) async -> Result<T, any Error> {
        await Deadline.race(limit, on: clock) {
            do { return .success(try await body()) } catch { return .failure(error) }
        } ?? .failure(LoopError.edgeTimeout(limit))
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
