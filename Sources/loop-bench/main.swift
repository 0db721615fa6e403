// Times the control loop's own work per interval for Scripts/bench-loop: counts in → predictors
// → plan → actions out (the same IntervalPlanner the live loop runs), then the interval's
// SQLite transaction, on a synthetic catalog with Zipf-like demand in the paper's 10-interval
// cycle. Actions take effect at once (no boot time). Prints one JSON object per scale. The
// live loop starts the actions before that transaction, so it is reported beside the plan.
// Ticks 20 and later are measured. Usage: loop-bench CONTENTS EDGES [TICKS (at least 21)] [MODEL]
import AugurModel
import EdgeOperator
import Foundation
import Orchestrator

func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1_000 + Double(duration.components.attoseconds) / 1e15
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.isEmpty ? 0 : sorted[sorted.count / 2]
}

/// A catalog of `contents` objects and a topology of `edges` PoPs holding 100 instances each;
/// the core serves every content with one baseline instance.
func configuration(contents: Int, edges: Int) -> AugurConfiguration? {
    let clickos = Flavor(name: "clickos", runtime: .xen, kind: .unikernel, imageMegabytes: [1: 6.2, 5: 9.4, 10: 14.6, 20: 24.5], timing: .init(bootMilliseconds: 80, removalMilliseconds: 10))
    let flask = Flavor(name: "flask", runtime: .docker, kind: .container, imageMegabytes: [1: 85.2, 5: 89.2, 10: 94.2, 20: 104], timing: .init(bootMilliseconds: 1_500, removalMilliseconds: 300))
    let items = (0..<contents).map { ContentItem(name: "c\($0)", sizeBytes: 5 << 20, source: .generated(seed: UInt64($0)), flavors: ["clickos", "flask"]) }
    guard let corePool = AddressPool("10.0.0.0/8"), let zone = DomainName("cdn.example."), let registry = SocketEndpoint("127.0.0.1:5000") else { return nil }
    let statics = (0..<contents).map { index in
        StaticInstance(content: "c\(index)", flavor: "flask", address: .v4(0x0A00_0000 | UInt32(index)))
    }
    let core = Node(name: "core", role: .core, pools: [.docker: corePool], instanceLimit: contents, link: nil, staticInstances: statics)
    let edgeNodes = (0..<edges).compactMap { index -> Node? in
        guard let xen = AddressPool("11.\(index >> 8).\(index & 0xFF).0/24"), let docker = AddressPool("12.\(index >> 8).\(index & 0xFF).0/24") else { return nil }
        return Node(name: "edge-\(index)", role: .edge, pools: [.xen: xen, .docker: docker], instanceLimit: 100, link: Link(bitsPerSecond: 100_000_000, delayMilliseconds: 2), staticInstances: [])
    }
    let dns = DNSSettings(listen: [registry], ttl: 5, maxRecords: 8, maxUDPPayload: 1232, intervalMilliseconds: 30_000, nameservers: [])
    let topology = Topology(zone: zone, dns: dns, servicePort: 8080, registry: registry, singleHost: false, core: core, edges: edgeNodes)
    return AugurConfiguration(topology: topology, flavors: ["clickos": clickos, "flask": flask], catalog: Catalog(contents: items))
}

let arguments = CommandLine.arguments
guard arguments.count >= 3, let contents = Int(arguments[1]), let edges = Int(arguments[2]), contents > 0, edges > 0,
      let configuration = configuration(contents: contents, edges: edges),
      let model = try? ModelChoice(parsing: arguments.count > 4 ? arguments[4] : ModelChoice.paperText)
else {
    FileHandle.standardError.write(Data("usage: loop-bench CONTENTS EDGES [TICKS] [MODEL, e.g. ema:3]\n".utf8))
    exit(2)
}
let ticks = max(21, arguments.count > 3 ? Int(arguments[3]) ?? 30 : 30)
let settings = LoopSettings(intervalSeconds: 30, trainingIntervals: 10)
let planner = IntervalPlanner(configuration: configuration, settings: settings)
var book = DemandBook(choices: Dictionary(uniqueKeysWithValues: configuration.catalog.contents.map { ($0.name, model) }))
var progress = LoopProgress()
var fleet = Fleet()
let operated = Set(configuration.topology.edges.map(\.name))
let directory = FileManager.default.temporaryDirectory.appendingPathComponent("augur-loop-bench-\(UUID().uuidString.prefix(8))")
defer { try? FileManager.default.removeItem(at: directory) }
let store = try StateStore.open(directory: directory)
var generator = SystemRandomNumberGenerator()
/// Zipf-like popularity: content k peaks at 2,000 lookups / (k + 1)^0.8, a fifth of it off-peak.
let peaks = (0..<contents).map { 2_000 / pow(Double($0 + 1), 0.8) }

var planMilliseconds: [Double] = []
var storeMilliseconds: [Double] = []
var actions = 0
var instanceCount = 0
let clock = ContinuousClock()
for tick in 0..<ticks {
    let high = tick % 10 < 8
    var lookups: [String: Int] = [:]
    lookups.reserveCapacity(contents)
    for (index, peak) in peaks.enumerated() {
        let noise = Double.random(in: 0.9...1.1, using: &generator)
        lookups["c\(index)"] = Int((high ? peak : peak / 5) * noise)
    }
    let start = Date(timeIntervalSince1970: Double(tick) * 30)
    let begun = clock.now
    let record = planner.close(lookups: lookups, start: start, end: start + 30, book: &book, progress: &progress, fleet: fleet, operated: operated)
    let planned = clock.now
    try store.recordInterval(record, progress: progress)
    let stored = clock.now
    // Measured once the models have had their first fits (two seasons in): the steady state.
    if tick >= 20 {
        planMilliseconds.append(milliseconds(planned - begun))
        storeMilliseconds.append(milliseconds(stored - planned))
        actions += record.actions.count
    }
    // The actions take effect at once: deployed instances are ready, drained ones gone.
    for action in record.actions {
        switch action.kind {
        case .deploy:
            instanceCount += 1
            let id = "i\(instanceCount)"
            var instance = EdgeInstance(
                spec: InstanceSpec(id: id, edge: action.edge ?? "", content: action.content, flavor: action.flavor ?? "", runtime: .xen, image: "r/x:y", address: "11.0.0.\(instanceCount & 0xFF)", port: 8080),
                requested: start, emulated: false)
            instance.phase = .ready
            _ = fleet.observe(instance)
        case .drain:
            guard let id = action.instance, var instance = fleet.members[id]?.instance else { continue }
            instance.phase = .gone
            _ = fleet.observe(instance)
        }
    }
}
let summary: [String: Any] = [
    "contents": contents, "edges": edges, "model": model.description, "ticks": planMilliseconds.count,
    "plan_ms_median": median(planMilliseconds), "plan_ms_max": planMilliseconds.max() ?? 0,
    "store_ms_median": median(storeMilliseconds), "tick_ms_median": median(zip(planMilliseconds, storeMilliseconds).map { $0 + $1 }),
    "actions": actions, "instances_live": fleet.live.count,
]
print(String(decoding: try JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys]), as: UTF8.self))
