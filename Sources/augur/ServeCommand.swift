import ArgumentParser
import AsyncHTTPClient
import AugurModel
import ControlAPI
import Dashboard
import DNSBalancer
import EdgeLink
import EdgeOperator
import Foundation
import Hummingbird
import Logging
import Metrics
import Optimizer
import Orchestrator
import Planning
import Prometheus
import ServiceLifecycle

/// `augur serve`: the DNS balancer and the orchestrator in one process, with SQLite in a
/// data directory, driving the edges' operators (remote, or run in this process), and the
/// operator's dashboard at the API's `/`.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the DNS balancer and the orchestrator: counts → forecasts → plans → edge operators → DNS pools; the dashboard at the API's /."
    )

    enum EdgeMode: String, ExpressibleByArgument, CaseIterable {
        case inProcess = "in-process", remote
    }

    @OptionGroup var config: ConfigurationOptions
    @OptionGroup var serving: DNSServingOptions
    @OptionGroup var runtimes: EdgeRuntimeOptions
    @OptionGroup var logging: LoggingOptions
    @OptionGroup var access: APIAccessOptions

    @Option(help: "Serve the orchestrator's API on ADDRESS:PORT.")
    var api: String = "127.0.0.1:7100"

    @Option(help: "Where the SQLite state lives.")
    var data: String = ".augur/data"

    @Option(help: "Edges: operators run in this process, or are reached at each node's operator.listen.")
    var edges: EdgeMode = .inProcess

    @Option(help: "Model for every content: ema:N, sarima:p,d,q,P,D,Q,m, sarima-search:m or auto:m.")
    var model: String = ModelChoice.paperText

    @Option(help: "Model for one content, CONTENT=MODEL (repeatable).")
    var modelFor: [String] = []

    @Option(help: "Closed intervals that only train the predictors (default: the longest season, else 10; more if auto needs it).")
    var training: Int?

    @Option(help: "Provision for this quantile of the forecast (0.5: the mean, as the paper).")
    var quantile: Double = 0.5

    @Flag(help: "Act on the forecast of the interval in which a new instance would be ready.")
    var lookahead = false

    @Option(help: "Forecast steps the optimizer sees with --lookahead.")
    var horizon: Int = 4

    @Option(help: "Intervals after a deploy during which the content's instances are not removed.")
    var cooldown: Int = 0

    @Option(help: "Remove only when the surplus exceeds one instance plus this fraction.")
    var removalMargin: Double = 0

    @Option(help: "Deploy only these flavors, in this order of preference (comma-separated).")
    var edgeFlavors: String?

    @Option(help: "Keep counts, forecasts, plans and events this long (7d, 12h, 30m, seconds; 0: keep everything). The predictors' history is always kept.")
    var retain = "7d"

    @Option(help: "Seconds a removed instance may take to finish in-flight transfers.")
    var drain: Double = 30

    @Option(help: "Seconds at the least between leaving DNS and deletion; the wait is never under twice the zone's TTL (a resolver's cached answer, then its client's).")
    var dnsGrace: Double?

    @Option(help: "How capacity follows demand: predictive (the forecast), reactive (within the interval, no forecast) or hybrid (both).")
    var policy: ScalingPolicy = .hybrid

    @Option(help: "A content's own policy, CONTENT=POLICY (repeatable).")
    var policyFor: [String] = []

    @Option(help: "Milliseconds between reads of a reacting content's lookups within an interval (default: a fifteenth of the interval).")
    var reactEveryMs: Int?

    @Option(help: "How far a reacting content's demand must exceed its ready capacity before it deploys (0.25: 25 %).")
    var reactionMargin: Double = 0.25

    @Option(help: "Milliseconds DNS may hold a lookup past ready capacity while an instance is on its way (default: 300 for hybrid contents; 0: never).")
    var holdMs: Int?

    func validate() throws {
        guard SocketEndpoint(api) != nil else { throw ValidationError("--api '\(api)' is not ADDRESS:PORT") }
        guard Units.seconds(retain) != nil else { throw ValidationError("--retain '\(retain)' is not a duration such as 7d, 12h, 30m or a number of seconds") }
        guard (0.01...0.99).contains(quantile) else { throw ValidationError("--quantile must be within 0.01…0.99") }
        guard horizon >= 1, cooldown >= 0, removalMargin >= 0, drain >= 0, (dnsGrace ?? 0) >= 0 else {
            throw ValidationError("--horizon must be at least 1; --cooldown, --removal-margin, --drain and --dns-grace cannot be negative")
        }
        if let training, training < 0 { throw ValidationError("--training cannot be negative") }
        guard (reactEveryMs ?? 1) > 0, reactionMargin >= 0, (holdMs ?? 0) >= 0 else {
            throw ValidationError("--react-every-ms must be positive; --reaction-margin and --hold-ms cannot be negative")
        }
        _ = try models(for: [])
        _ = try policies(for: [])
    }

    /// The model of every content, from `--model` and `--model-for`.
    func models(for contents: [String]) throws -> [String: ModelChoice] {
        let fallback = try ModelChoice(parsing: model)
        let chosen = try Self.perContent(modelFor, option: "--model-for", value: "MODEL", contents: contents) { try ModelChoice(parsing: $0) }
        return Dictionary(uniqueKeysWithValues: contents.map { ($0, fallback) }).merging(chosen) { $1 }
    }

    /// Each content's own policy, from `--policy-for`.
    func policies(for contents: [String]) throws -> [String: ScalingPolicy] {
        try Self.perContent(policyFor, option: "--policy-for", value: "POLICY (predictive, reactive or hybrid)", contents: contents) { text in
            guard let policy = ScalingPolicy(rawValue: text) else { throw ValidationError("--policy-for: '\(text)' is not predictive, reactive or hybrid") }
            return policy
        }
    }

    /// `CONTENT=VALUE` options by content, each value parsed; a content must be in `contents` (when known).
    static func perContent<T>(_ texts: [String], option: String, value: String, contents: [String], parse: (String) throws -> T) throws -> [String: T] {
        var chosen: [String: T] = [:]
        for text in texts {
            let parts = text.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ValidationError("\(option) '\(text)' is not CONTENT=\(value)") }
            if !contents.isEmpty, !contents.contains(parts[0]) { throw ValidationError("\(option): unknown content '\(parts[0])'") }
            chosen[parts[0]] = try parse(parts[1])
        }
        return chosen
    }

    func run() async throws {
        logging.bootstrap()
        let logger = Logger(label: "augur.serve")
        let configuration = try config.load()
        let topology = configuration.topology
        let token = try OperatorToken.load(topology.tokenFile)
        let choices = try models(for: configuration.catalog.contents.map(\.name))
        let store = try StateStore.open(directory: URL(fileURLWithPath: data))
        let retention = Units.seconds(retain) ?? 0
        try store.recordConfiguration(try configurationTexts())

        let pools = try DNSPools(settings: ZoneSettings(topology), contents: ContentPools.staticPools(configuration))
        let milliseconds = serving.intervalMilliseconds(topology)
        let counter = IntervalCounter(counters: pools.counters, interval: .milliseconds(milliseconds), clock: ContinuousClock(), logger: logger)
        var services: [any Service] = []
        var connections: [any EdgeConnection] = []
        let links = edges == .remote ? try OperatorToken.links(topology) : nil
        let logins = try RegistryAccess.logins(topology)
        for node in topology.edges {
            switch edges {
            case .inProcess:
                let edgeOperator = runtimes.makeOperator(node: node, configuration: configuration, stateDirectory: nil, logins: logins, logger: logger)
                // Find what the runtimes still run before the loop reconciles with this edge.
                await edgeOperator.recover()
                services.append(EdgeOperatorService(edge: edgeOperator))
                connections.append(InProcessEdge(edgeOperator))
            case .remote:
                guard let links else { continue }
                connections.append(RemoteEdge(client: try links.client(for: node)))
            }
        }
        let defaultTraining = choices.values.map { max($0.season ?? 10, $0.trainingNeeded) }.max() ?? 10
        let settings = LoopSettings(
            intervalSeconds: Double(milliseconds) / 1_000, trainingIntervals: training ?? defaultTraining,
            policy: PlanPolicy(quantile: quantile, lookahead: lookahead, removalMargin: removalMargin, cooldownIntervals: cooldown),
            horizon: lookahead ? horizon : 1, dnsGraceSeconds: max(dnsGrace ?? 0, 2 * Double(topology.dns.ttl)), drainSeconds: drain,
            edgeFlavors: edgeFlavors.map { $0.split(separator: ",").map(String.init) }, scaling: policy,
            scalingByContent: try policies(for: configuration.catalog.contents.map(\.name)), reactEvery: reactEveryMs.map { .milliseconds($0) },
            reactionMargin: reactionMargin, hold: holdMs.map { .milliseconds($0) })
        let registry = PrometheusCollectorRegistry()
        let loop = ControlLoop(
            configuration: configuration, settings: settings, models: choices, edges: connections, pools: pools, store: store,
            metricsFactory: PrometheusMetricsFactory(registry: registry), logger: logger)
        let endpoint = SocketEndpoint(api)
        let admission = access.admission()
        let meter = DNSTrafficMeter(counters: pools.counters, feed: loop.feed)
        let router = OrchestratorAPI.router(
            for: loop, store: store, configuration: configuration, registry: registry, token: token, publicRead: access.publicRead, admission: admission,
            meter: meter, openPaths: DashboardPage.paths)
        DashboardPage.register(on: router)
        let application = Application(
            router: router,
            server: try access.server(admission),
            configuration: .init(address: .hostname(endpoint?.address.description ?? "127.0.0.1", port: endpoint?.port ?? 7100), serverName: "augur"),
            logger: logger)
        services += [
            serving.service(pools, topology: topology, logger: logger),
            ControlLoopService(loop: loop, snapshots: counter.subscribe()),
            counter,
            meter,
            application,
        ]
        if retention > 0 {
            let kept = choices.values.map(\.countsKept).max() ?? ModelChoice.predictorMemory
            services.append(RetentionService(store: store, retention: .seconds(retention), keepingCounts: kept, logger: logger))
        }
        logger.info("augur serving", metadata: [
            "api.listen": "\(api)", "api.dashboard": "http://\(api)/", "dns.listen": "\(serving.endpoints(topology).map(\.description))", "edges": "\(edges.rawValue)",
            "loop.interval_ms": "\(milliseconds)", "loop.training": "\(settings.trainingIntervals)", "data": "\(data)",
        ])
        // The loop ends once the counter has handed over its last, cut-short interval, which
        // the counter does while the group shuts down: that end belongs to the shutdown. Left
        // as a failure, it raced the group's own order and a clean SIGTERM exited 1 at times.
        let configured = services.map { service in
            ServiceGroupConfiguration.ServiceConfiguration(
                service: service, successTerminationBehavior: service is ControlLoopService ? .gracefullyShutdownGroup : .cancelGroup)
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: configured, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    private func configurationTexts() throws -> [String: String] {
        let flavors = config.flavors ?? URL(fileURLWithPath: config.topology).deletingLastPathComponent().appendingPathComponent("flavors.yaml").path
        return [
            "topology": try String(contentsOfFile: config.topology, encoding: .utf8),
            "catalog": try String(contentsOfFile: config.content, encoding: .utf8),
            "flavors": try String(contentsOfFile: flavors, encoding: .utf8),
        ]
    }
}

extension ScalingPolicy: ExpressibleByArgument {}
