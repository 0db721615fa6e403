// Times the whole tick of the live control loop for Scripts/bench-loop, as `ControlLoop`
// runs it: reconcile with every edge's report (in-memory edges, `MemoryEdge`), counts into
// the predictors, plan, actions started, the interval's SQLite transaction; and, between
// ticks, the reactive check (the DNS counters read, the demand projected, the scaler run
// over every content). A synthetic catalog with Zipf-like demand in the paper's
// 10-interval cycle; deploys are ready at once, removals have no DNS grace, and the next
// tick waits until the loop's jobs (deploys, removals, fits) have ended. Prints one JSON object per
// scale. Ticks 20 and later are measured. The records the loop hands its writer are stored
// before the next tick starts (timed apart, as store ms), so that a tick is not timed while
// the last one's writes share its core. Usage: loop-bench CONTENTS EDGES [TICKS (at least
// 21)] [MODEL] (LOOP_BENCH_SERVE=ADDRESS:PORT: then serve the fleet's dashboard, see below).
// `loop-bench churn CONTENTS CHANGES`: CHANGES instances becoming ready (an address each,
// spread over the contents) then leaving, one DNS pool change at a time, timed each.
import AugurModel
import ControlAPI
import DNSBalancer
import Dashboard
import Foundation
import Hummingbird
import Logging
import Metrics
import Orchestrator
import Planning
import Prometheus
import TestSupport

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1_000 + Double(duration.components.attoseconds) / 1e15
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}

let arguments = CommandLine.arguments
if arguments.count == 4, arguments[1] == "churn", let contents = Int(arguments[2]), let changes = Int(arguments[3]), contents > 0, changes > 0,
   let configuration = SyntheticFleet.configuration(contents: contents, edges: 1) {
    let pools = try DNSPools(settings: ZoneSettings(configuration.topology), contents: ContentPools.staticPools(configuration))
    let clock = ContinuousClock()
    var timings: [Double] = []
    for answered in [true, false] {
        for index in 0..<changes {
            let change = AddressChange(
                address: [11, 0, UInt8(index >> 8 & 0xFF), UInt8(index & 0xFF)], content: "c\((index * 7_919) % contents)", flavor: "clickos", answered: answered)
            let begun = clock.now
            let failures = pools.apply([change])
            timings.append(milliseconds(clock.now - begun))
            guard failures.isEmpty else { throw DNSPoolError.unknownContent(change.content) }
        }
    }
    let summary: [String: Any] = ["contents": contents, "changes": timings.count, "change_ms_median": median(timings), "change_ms_max": timings.max() ?? 0]
    print(String(decoding: try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys]), as: UTF8.self))
    exit(0)
}
guard arguments.count >= 3, let contents = Int(arguments[1]), let edges = Int(arguments[2]), contents > 0, edges > 0,
      let configuration = SyntheticFleet.configuration(contents: contents, edges: edges),
      let model = try? ModelChoice(parsing: arguments.count > 4 ? arguments[4] : ModelChoice.paperText)
else {
    FileHandle.standardError.write(Data("usage: loop-bench CONTENTS EDGES [TICKS] [MODEL, e.g. ema:3]\n".utf8))
    exit(2)
}
let ticks = max(21, arguments.count > 3 ? Int(arguments[3]) ?? 30 : 30)
// Hybrid: the tick plans on the forecasts, and the reactive check runs over every content.
let settings = LoopSettings(intervalSeconds: 30, trainingIntervals: 10, dnsGraceSeconds: 0, drainSeconds: 0, edgeTimeout: .seconds(60), scaling: .hybrid)
var logger = Logger(label: "augur.loop-bench")
logger.logLevel = .error
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("augur-loop-bench-\(UUID().uuidString.prefix(8))")
defer { try? FileManager.default.removeItem(at: directory) }
let store = try StateStore.open(directory: directory)
let memoryEdges = configuration.topology.edges.map { MemoryEdge(node: $0, flavors: configuration.flavors, endedKept: 16) }
let pools = try DNSPools(settings: ZoneSettings(configuration.topology), contents: ContentPools.staticPools(configuration))
let loop = ControlLoop(
    configuration: configuration, settings: settings, models: Dictionary(uniqueKeysWithValues: configuration.catalog.contents.map { ($0.name, model) }),
    edges: memoryEdges, pools: pools, store: store, metricsFactory: NOOPMetricsHandler.instance, logger: logger)
// The loop runs its jobs (deploys, removals, fits); its ticks are driven here, one at a time.
let (feed, _) = AsyncStream.makeStream(of: IntervalSnapshot.self)
let running = Task { await loop.run(snapshots: feed) }

var generator = SystemRandomNumberGenerator()
/// Zipf-like popularity: content k peaks at 2,000 lookups / (k + 1)^0.8, a fifth of it off-peak.
let peaks = (0..<contents).map { 2_000 / pow(Double($0 + 1), 0.8) }

/// Until the loop's jobs are done (what the tick asked of the edges, and the model work), at most two minutes.
func settle() async {
    let deadline = ContinuousClock.now + .seconds(120)
    while ContinuousClock.now < deadline, await loop.jobsInFlight > 0 {
        try? await Task.sleep(for: .milliseconds(2))
    }
}

var tickMilliseconds: [Double] = []
var planMilliseconds: [Double] = []
var reactMilliseconds: [Double] = []
var storeMilliseconds: [Double] = []
var actions = 0
let clock = ContinuousClock()
for tick in 0..<ticks {
    let high = tick % 10 < 8
    var demand: [String: ContentDemand] = [:]
    demand.reserveCapacity(contents)
    for (index, peak) in peaks.enumerated() {
        let noise = Double.random(in: 0.9...1.1, using: &generator)
        demand["c\(index)"] = ContentDemand(total: Int((high ? peak : peak / 5) * noise))
    }
    let start = Date(timeIntervalSince1970: Double(tick) * 30)
    let snapshot = IntervalSnapshot(index: tick, start: start, end: start + 30, counts: DemandCounts(contents: demand))
    let begun = clock.now
    let record = await loop.tick(snapshot)
    let ticked = clock.now
    await settle()
    let checked = clock.now
    await loop.react(crossing: false)
    let reacted = clock.now
    // What the reaction started is done before the next tick, which is timed alone.
    await settle()
    let written = clock.now
    await loop.recordsStored()
    let stored = clock.now
    // Measured once the models have had their first fits (two seasons in): the steady state.
    if tick >= 20 {
        tickMilliseconds.append(milliseconds(ticked - begun))
        planMilliseconds.append(record.tickMilliseconds)
        reactMilliseconds.append(milliseconds(reacted - checked))
        storeMilliseconds.append(milliseconds(stored - written))
        actions += record.actions.count
    }
}
running.cancel()
let summary: [String: Any] = [
    "contents": contents, "edges": edges, "model": model.description, "ticks": tickMilliseconds.count,
    "tick_ms_median": median(tickMilliseconds), "tick_ms_max": tickMilliseconds.max() ?? 0,
    "reconcile_plan_ms_median": median(planMilliseconds), "react_ms_median": median(reactMilliseconds), "react_ms_max": reactMilliseconds.max() ?? 0, "store_ms_median": median(storeMilliseconds),
    "actions": actions, "instances_live": await loop.members().count,
]
print(String(decoding: try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys]), as: UTF8.self))

// With LOOP_BENCH_SERVE=ADDRESS:PORT the fleet it built stays up behind the API and the
// dashboard (reads open, no token) until SIGTERM, for Scripts/bench-dashboard.
if let listen = ProcessInfo.processInfo.environment["LOOP_BENCH_SERVE"], let endpoint = SocketEndpoint(listen) {
    let router = OrchestratorAPI.router(
        for: loop, store: store, configuration: configuration, registry: PrometheusCollectorRegistry(),
        token: UUID().uuidString, publicRead: true, meter: DNSTrafficMeter(counters: pools.counters, feed: loop.feed), openPaths: DashboardPage.paths)
    DashboardPage.register(on: router)
    let application = Application(router: router, configuration: .init(address: .hostname(endpoint.address.description, port: endpoint.port)), logger: logger)
    FileHandle.standardError.write(Data("serving the fleet's API and dashboard at http://\(listen)/\n".utf8))
    try await application.runService()
}
