import AugurModel
import DNSBalancer
import EdgeLink
import EdgeOperator
import EdgeWire
import Foundation
import Logging
import Metrics
import Orchestrator
import Planning
import Synchronization
import Workload

/// One run of a scenario: the DNS balancer, interval counter, control loop and the core's
/// baseline instance in this process, the edges and users where the site puts them, and the
/// pattern's users replayed against it all, one round per counting interval.
public struct ReplayRun: Sendable {
    public let scenario: Scenario
    public let run: Scenario.Run
    /// Which repeat of the run this is (from 1).
    public let repetition: Int
    /// Where this repeat keeps its state (the loop's store, the edges' and the core's).
    public let directory: URL
    public let environment: ReplayEnvironment

    public init(scenario: Scenario, run: Scenario.Run, repetition: Int = 1, directory: URL, environment: ReplayEnvironment) {
        self.scenario = scenario
        self.run = run
        self.repetition = repetition
        self.directory = directory
        self.environment = environment
    }

    /// The configuration this run answers and plans with: the topology's regions dropped for
    /// a run with `regions: false`.
    private var configuration: AugurConfiguration {
        var configuration = environment.configuration
        if !run.regions {
            configuration.topology.regions = []
            configuration.topology.defaultRegion = nil
        }
        return configuration
    }
    private var site: any ReplaySite { environment.site }
    private var dnsEndpoint: SocketEndpoint { environment.dnsEndpoint }
    private var payloads: URL { environment.payloads }
    private var logger: Logger { environment.logger }
    private var progress: @Sendable (String) -> Void { environment.progress }

    /// The run's name as its lines show it (with the repeat when there are several).
    var label: String { scenario.repeats > 1 ? "\(run.name) #\(repetition)" : run.name }

    public func execute() async throws -> RunRecords {
        let topology = configuration.topology
        let content = scenario.pattern.content
        guard let item = configuration.catalog.item(named: content) else { throw ReplayError("pattern content '\(content)' is not in the catalog") }
        let flavors = try run.edgeFlavors.map { name in
            guard let flavor = configuration.flavors[name] else { throw ReplayError("unknown edge flavor '\(name)'") }
            return flavor
        }
        guard !flavors.isEmpty else { throw ReplayError("run '\(run.name)' names no edge flavor") }
        guard let baselineSpot = topology.core.staticInstances.first(where: { $0.content == content }) else {
            throw ReplayError("the core has no static instance of '\(content)' to serve as the baseline")
        }
        let sites = try clientSites()
        let edges = try await site.edges(for: run, directory: directory)
        var evicted = ImageEviction()
        for runtime in Set(flavors.map(\.runtime)) { evicted = evicted + (try await Self.clear(edges.connections, runtime: runtime)) }
        let flavorNames = flavors.map(\.name).joined(separator: ", ")
        progress("[\(label)] edges empty, \(evicted.images) image(s) of \(flavorNames) evicted (\(evicted.bytes >> 20) MiB)\(run.edgeBandwidth.map { ", edge links at \($0)" } ?? "")")

        let roundSeconds = Double(scenario.roundMilliseconds) / 1_000
        let pools = try DNSPools(settings: ZoneSettings(topology), contents: ContentPools.staticPools(configuration))
        let server = try await DNSServer.start(pools: pools, listen: [dnsEndpoint], workers: 1, udpIO: .batch, rateLimit: topology.dns.rateLimit)
        let counter = IntervalCounter(counters: pools.counters, interval: .milliseconds(scenario.roundMilliseconds), clock: ContinuousClock(), logger: logger)
        let loopSnapshots = counter.subscribe()
        let rounds = counter.subscribe()
        // Whole lists every round: each round's record sums the instances' usage readings, which only a whole list brings.
        let settings = LoopSettings(
            intervalSeconds: roundSeconds, trainingIntervals: scenario.trainingRounds,
            dnsGraceSeconds: min(Double(topology.dns.ttl), roundSeconds / 2), drainSeconds: roundSeconds, wholeListEvery: 1, edgeFlavors: run.edgeFlavors,
            scaling: run.policy)
        let loop = ControlLoop(
            configuration: configuration, settings: settings, models: [content: try ModelChoice(parsing: run.model)],
            edges: edges.connections, pools: pools, store: try StateStore.open(directory: directory.appendingPathComponent("data")),
            metricsFactory: NOOPMetricsHandler.instance, logger: logger)

        // The core's baseline: the content served at its static address, on the flavor's profile.
        let baselineDriver = EmulatedDriver(flavors: configuration.flavors, payloads: payloads, stateDirectory: directory.appendingPathComponent("core"))
        let baseline = InstanceSpec(
            id: "baseline-\(content)", edge: topology.core.name, content: content, flavor: baselineSpot.flavor, runtime: .emulated, image: "",
            address: baselineSpot.address.description, port: topology.servicePort)
        var handle: RuntimeHandle?
        // Whatever ends the run (its last round, an error, or SIGINT/SIGTERM cancelling it), the
        // edges are emptied and the baseline stopped. The cleanup runs as a task of its own: a
        // cancelled run's cancellation must not cut it short.
        func cleanUp() async {
            let started = handle
            await Task {
                for failure in await Self.removeEverything(edges.connections) {
                    logger.error("an edge instance may outlive the run", metadata: ["error": "\(failure)"])
                }
                if let started {
                    do { try await baselineDriver.destroy(started, spec: baseline) } catch {
                        logger.error("cannot stop the core's baseline", metadata: ["instance.id": "\(baseline.id)", "error": "\(error)"])
                    }
                }
                await server.stop()
            }.value
        }
        do {
            handle = try await baselineDriver.boot(baseline)
            _ = try await ReadinessProbe().waitUntilReady(baseline, timeout: .seconds(30))
            let records = try await replay(loop: loop, counter: counter, loopSnapshots: loopSnapshots, rounds: rounds, edges: edges, item: item, pools: pools, sites: sites)
            await cleanUp()
            return records
        } catch {
            await cleanUp()
            throw error
        }
    }

    /// The pattern's client sites, each a region of the topology (whether or not this run
    /// answers by region) with the address its users resolve from.
    private func clientSites() throws -> [(site: Pattern.Site, at: ClientSite)] {
        let topology = environment.configuration.topology
        return try scenario.pattern.sites.map { site in
            guard let region = topology.regions.first(where: { $0.name == site.name }) else {
                let known = topology.regions.map(\.name).joined(separator: ", ")
                throw ReplayError("pattern site '\(site.name)' is no region of the topology (regions: \(known.isEmpty ? "none" : known))")
            }
            guard let address = topology.siteAddress(of: region) else {
                throw ReplayError("region '\(region.name)' has no IPv4 client address for its site's users to resolve from")
            }
            return (site, ClientSite(region: region.name, address: address))
        }
    }

    /// A run starts from empty edges: nothing left running, and no image of the run's
    /// technology cached, so that every deploy pulls over the edge's link.
    private static func clear(_ edges: [any EdgeConnection], runtime: RuntimeKind) async throws -> ImageEviction {
        let failures = await removeEverything(edges)
        guard failures.isEmpty else {
            throw ReplayError("the edges cannot be emptied before the run: \(failures.joined(separator: "; "))")
        }
        var total = ImageEviction()
        for edge in edges { total = total + (try await edge.evictImages(runtime: runtime)) }
        return total
    }

    /// Nothing outlives a run: every edge instance is removed. Returns what could not be
    /// listed or removed (every edge is tried).
    public static func removeEverything(_ edges: [any EdgeConnection]) async -> [String] {
        var failures: [String] = []
        for edge in edges {
            let instances: [EdgeInstance]
            do { instances = try await edge.instances() } catch {
                failures.append("\(edge.edge): cannot list its instances: \(error)")
                continue
            }
            for instance in instances where !instance.phase.isFinal {
                do { _ = try await edge.remove(instance.spec.id, drainSeconds: 0) } catch {
                    failures.append("\(edge.edge): cannot remove \(instance.spec.id): \(error)")
                }
            }
        }
        return failures
    }

    /// The rounds: users arrive, are served and timed; the system's state is sampled, and
    /// the instances DNS answers are followed so that each user's lookup is set against
    /// what was ready at its moment.
    private func replay(
        loop: ControlLoop, counter: IntervalCounter<ContinuousClock>, loopSnapshots: AsyncStream<IntervalSnapshot>, rounds: AsyncStream<IntervalSnapshot>,
        edges: ReplayEdges, item: ContentItem, pools: DNSPools, sites: [(site: Pattern.Site, at: ClientSite)]
    ) async throws -> RunRecords {
        let content = item.name
        let (site, name, repetition, trainingRounds, progress) = (site, run.name, repetition, scenario.trainingRounds, progress)
        let topology = environment.configuration.topology
        let regionEdges = Dictionary(topology.regions.map { ($0.name, Set($0.edges)) }, uniquingKeysWith: { first, _ in first })
        let label = label
        // Burst users arrive a fifth into the round (at most 2 s): what the tick at the round's
        // start deployed has that long to be ready, as the paper's users arrived after its
        // deploys. Uniform users spread over the round from its start.
        // Rounds keep the intervals' time: a round's users arrive on schedule even while the
        // last round's are still downloading, so each interval counts its own round's lookups.
        let delay = scenario.arrival == .burst ? Duration.milliseconds(min(2_000, scenario.roundMilliseconds / 5)) : .zero
        let timeline = CapacitySampler()
        var records: [RoundRecord] = []
        var deployed: [String: EdgeInstance] = [:]
        var reactedInTraining = 0
        func noteDeploys(_ members: [Fleet.Member]) {
            for member in members { deployed[member.instance.spec.id] = member.instance }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await counter.run() }
            group.addTask { await loop.run(snapshots: loopSnapshots) }
            group.addTask { await edges.watch() }
            group.addTask { await timeline.follow(pools, content: content) }
            records = try await withThrowingTaskGroup(of: RoundRecord.self) { running in
                var closed = rounds.makeAsyncIterator()
                for round in 0..<scenario.rounds {
                    if round == trainingRounds { reactedInTraining = await loop.reactiveDeploys }
                    if delay > .zero { try await Task.sleep(for: delay) }
                    let users = RoundUsers(count: scenario.pattern.users(inRound: round), arrival: scenario.arrival, roundMilliseconds: scenario.roundMilliseconds)
                    let siteUsers = sites.map { site, at in
                        RoundUsers(count: scenario.pattern.users(inRound: round, site: site), arrival: scenario.arrival, roundMilliseconds: scenario.roundMilliseconds, site: at)
                    }
                    let members = await loop.members()
                    noteDeploys(members)
                    let answered = Dictionary(grouping: members.filter(\.answered), by: \.instance.spec.edge).mapValues(\.count)
                    let answeredTruth = members.filter(\.answered).map(\.instance.truth)
                    let forecast = await loop.latestInterval()?.forecasts[content]?.first?.mean
                    running.addTask {
                        let bySite = try await Self.users(siteUsers.isEmpty ? [users] : siteUsers, at: site, of: item)
                        let results = bySite.flatMap(\.results)
                        let after = await loop.members()
                        let live = Dictionary(grouping: after, by: \.instance.spec.edge).mapValues(\.count)
                        let edgeCPU = after.compactMap(\.instance.usage?.cpuPercent).reduce(0, +)
                        let record = RoundRecord(
                            run: name, repetition: repetition, round: round, training: round < trainingRounds, users: users.count, results: results,
                            answeredPerEdge: answered, answeredTruth: answeredTruth, livePerEdge: live, forecast: forecast, capacity: item.capacity, baseline: 1,
                            machineCPU: await edges.machineCPU(), edgeCPU: edgeCPU, timeline: timeline.timeline,
                            sites: SiteRound.account(
                                bySite.compactMap { users, results in users.site.map { ($0.region, results) } }, regionEdges: regionEdges, capacity: item.capacity,
                                node: topology.node(serving:)))
                        progress(Self.line(record, label: label))
                        return record
                    }
                    _ = await closed.next()
                }
                var finished: [RoundRecord] = []
                for try await record in running { finished.append(record) }
                noteDeploys(await loop.members())
                return finished.sorted { $0.round < $1.round }
            }
            group.cancelAll()
        }
        let deploys = deployed.values.compactMap { DeployRecord(run: run.name, repetition: repetition, $0) }.sorted { $0.instance < $1.instance }
        return RunRecords(rounds: records, deploys: deploys, reactiveDeploys: await loop.reactiveDeploys - reactedInTraining)
    }

    /// Each site's users of a round, all at once (each site's arrive on their own schedule).
    private static func users(_ rounds: [RoundUsers], at site: any ReplaySite, of item: ContentItem) async throws -> [(users: RoundUsers, results: [UserResult])] {
        try await withThrowingTaskGroup(of: (Int, [UserResult]).self) { group in
            for (index, round) in rounds.enumerated() { group.addTask { (index, try await site.users(round, of: item)) } }
            var results = Array(repeating: [UserResult](), count: rounds.count)
            for try await (index, seen) in group { results[index] = seen }
            return Array(zip(rounds, results)).map { (users: $0, results: $1) }
        }
    }

    public static func line(_ record: RoundRecord, label: String? = nil) -> String {
        let edges = record.answeredPerEdge.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let total = record.meanTotal.map { String(format: "%.3f s", $0) } ?? "-"
        let forecast = record.forecast.map { String(format: "%.0f", $0) } ?? "-"
        let failed = record.failures.values.reduce(0, +)
        let truth = record.answeredTruth.isEmpty ? "" : " (\(InstanceTruth.tally(record.answeredTruth).replacingOccurrences(of: ";", with: " ")))"
        let over = record.usersOverCapacity > 0 ? ", \(record.usersOverCapacity) over capacity" : ""
        let sites = record.sites.map { site in
            " · \(site.site): \(site.users) users, \(site.locality.map { String(format: "%.0f%%", $0 * 100) } ?? "-") local\(site.overCapacity > 0 ? ", \(site.overCapacity) over capacity" : "")"
        }.joined()
        return "[\(label ?? record.run)] round \(record.round)\(record.training ? " (training)" : ""): \(record.users) users, forecast \(forecast), serving \(record.serving)/\(record.needed) [\(edges.isEmpty ? "core only" : edges)\(truth)]\(over), delivery \(total), failed \(failed)\(sites)"
    }
}

/// Follows, during a run, how many instances DNS answers for the replayed content.
final class CapacitySampler: Sendable {
    private let state = Mutex(CapacityTimeline())
    /// How often the pools are read: well below a user's time to resolve and download.
    static let period = Duration.milliseconds(20)

    var timeline: CapacityTimeline { state.withLock { $0 } }

    /// Samples until cancelled.
    func follow(_ pools: DNSPools, content: String) async {
        while !Task.isCancelled {
            let ready = pools.pools(of: content)?.allAddresses.count ?? 0
            state.withLock { $0.record(ready, at: Date()) }
            do { try await Task.sleep(for: Self.period) } catch { return }
        }
    }
}
