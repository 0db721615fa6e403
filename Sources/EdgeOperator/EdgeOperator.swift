import AugurModel
import EdgeWire
import Foundation
import Logging

/// The agent of one edge PoP: turns "deploy this content with this flavor" into a serving
/// instance and "remove it" into a drained, destroyed one, whatever the technology behind
/// it, and records when every phase began. The runtimes are the truth about what runs:
/// `recover()` reads them back after a restart.
public actor EdgeOperator {
    /// What the operator needs from the configuration.
    public struct Settings: Sendable {
        public var node: Node
        public var flavors: [String: Flavor]
        public var catalog: Catalog
        public var registry: SocketEndpoint
        public var servicePort: Int
        /// A boot that does not serve within this time is destroyed and reported failed.
        public var bootTimeout: Duration
        /// How often a booting instance's runtime is asked whether it stopped (`bootFailure`).
        public var bootCheckPeriod: Duration
        public var defaultDrain: Duration
        public var usagePeriod: Duration
        /// How often every ready instance is probed, and what its probes make of it.
        public var healthPeriod: Duration
        public var health: HealthRule

        public init(
            node: Node, flavors: [String: Flavor], catalog: Catalog, registry: SocketEndpoint, servicePort: Int,
            bootTimeout: Duration = .seconds(60), bootCheckPeriod: Duration = .milliseconds(250), defaultDrain: Duration = .seconds(10),
            usagePeriod: Duration = .seconds(1), healthPeriod: Duration = .seconds(1), health: HealthRule = HealthRule()
        ) {
            self.healthPeriod = healthPeriod
            self.health = health
            self.node = node
            self.flavors = flavors
            self.catalog = catalog
            self.registry = registry
            self.servicePort = servicePort
            self.bootTimeout = bootTimeout
            self.bootCheckPeriod = bootCheckPeriod
            self.defaultDrain = defaultDrain
            self.usagePeriod = usagePeriod
        }

        public init(configuration: AugurConfiguration, node: Node) {
            self.init(
                node: node, flavors: configuration.flavors, catalog: configuration.catalog,
                registry: configuration.topology.registry, servicePort: configuration.topology.servicePort)
        }
    }

    nonisolated public let settings: Settings
    private var recovered = false
    /// Runtimes whose instances could not be listed at start, with why: nothing is assumed
    /// not to run there, so a deploy lists them again first and fails while it cannot.
    private var unlisted: [RuntimeKind: String] = [:]
    private let drivers: [RuntimeKind: any RuntimeDriver]
    private let probe: ReadinessProbe
    public let monitor: NodeMonitor
    private let logger: Logger
    private var records: [String: EdgeInstance] = [:]
    /// Which record changed when, for readers that ask only for what changed.
    private var changes = InstanceChangeLog()
    private var lifecycles: [String: Task<Void, Never>] = [:]
    private var removals: [String: Task<Void, Never>] = [:]
    private var subscribers: [UUID: AsyncStream<EdgeInstance>.Continuation] = [:]
    /// Per runtime, the image references made local here (what `GET /v1/node` reports).
    private var localImages: [RuntimeKind: Set<String>] = [:]

    public init(settings: Settings, drivers: [any RuntimeDriver], probe: ReadinessProbe = ReadinessProbe(), monitor: NodeMonitor = NodeMonitor(), logger: Logger) {
        self.settings = settings
        self.drivers = Dictionary(drivers.map { ($0.runtime, $0) }, uniquingKeysWith: { first, _ in first })
        self.probe = probe
        self.monitor = monitor
        var logger = logger
        logger[metadataKey: "edge.id"] = "\(settings.node.name)"
        self.logger = logger
    }

    // MARK: Reading

    public func instances() -> [EdgeInstance] {
        records.values.sorted { $0.timeline.requested < $1.timeline.requested }
    }

    /// Every record, or only those that changed since `cursor` when the change log can tell.
    public func instances(since cursor: InstanceCursor?) -> InstanceList {
        changes.list(since: cursor, records: records)
    }

    public func instance(_ id: String) throws -> EdgeInstance {
        guard let record = records[id] else { throw EdgeError.unknownInstance(id) }
        return record
    }

    public func nodeState() async -> NodeState {
        let counts = Dictionary(grouping: records.values, by: \.phase).mapValues(\.count)
        return NodeState(
            edge: settings.node.name, instanceLimit: settings.node.instanceLimit, instances: counts,
            runtimes: drivers.keys.map(\.rawValue).sorted(),
            emulatedRuntimes: drivers.values.filter(\.isEmulated).map(\.runtime.rawValue).sorted(),
            usage: await monitor.latest, images: localImages.values.reduce(into: Set<String>()) { $0.formUnion($1) }.sorted())
    }

    /// Every change of any instance, from now on, until the caller stops iterating.
    public func events() -> AsyncStream<EdgeInstance> {
        let (stream, continuation) = AsyncStream.makeStream(of: EdgeInstance.self, bufferingPolicy: .bufferingNewest(1_024))
        let key = UUID()
        subscribers[key] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(key) }
        }
        return stream
    }

    /// Waits until the instance reaches one of `phases` (or a final phase) and returns it.
    public func settled(_ id: String, in phases: Set<InstancePhase>) async throws -> EdgeInstance {
        let stream = events()
        let current = try instance(id)
        if phases.contains(current.phase) || current.phase.isFinal { return current }
        for await change in stream where change.spec.id == id && (phases.contains(change.phase) || change.phase.isFinal) {
            return change
        }
        return try instance(id)
    }

    // MARK: Changing

    /// Validates the request, allocates an address, and starts the instance's lifecycle:
    /// pulling → booting → ready (or failed). Returns at once with the instance pulling.
    public func create(_ request: CreateInstanceRequest) throws -> EdgeInstance {
        let spec = try makeSpec(request)
        guard let driver = drivers[spec.runtime] else { throw EdgeError.invalidRequest("\(settings.node.name) has no \(spec.runtime.rawValue) driver") }
        var record = EdgeInstance(spec: spec, requested: Date(), emulated: driver.isEmulated, timingNote: driver.timingNote)
        record.timeline.began[.pulling] = record.timeline.requested
        records[spec.id] = record
        changes.changed(spec.id)
        publish(record)
        logger.info("instance requested", metadata: ["instance.id": "\(spec.id)", "instance.content": "\(spec.content)", "instance.flavor": "\(spec.flavor)", "instance.address": "\(spec.address)"])
        lifecycles[spec.id] = Task { await self.bringUp(spec, driver: driver) }
        return record
    }

    /// Starts removing an instance: a ready one drains (in-flight transfers finish, bounded by
    /// `drain`) and is destroyed; one still pulling or booting is stopped where it is.
    public func delete(_ id: String, drain: Duration? = nil) throws -> EdgeInstance {
        guard let record = records[id] else { throw EdgeError.unknownInstance(id) }
        guard !record.phase.isFinal, record.phase != .draining else { return record }
        let wasReady = record.phase == .ready
        let updated = enter(.draining, id: id)
        removals[id] = Task { await self.tearDown(id, wasReady: wasReady, drain: drain ?? settings.defaultDrain) }
        return updated ?? record
    }

    /// Removes the registry's images that no live instance uses, from the runtime that serves
    /// `runtime`'s instances here (the emulated one where it stands in) or from all, so that
    /// the next deploy pulls them over the edge's link again.
    public func evictImages(runtime: RuntimeKind? = nil) async throws -> ImageEviction {
        let inUse = Set(records.values.filter { !$0.phase.isFinal }.map(\.spec.image))
        let serving = runtime.map(servingRuntime)
        var total = ImageEviction()
        for driver in drivers.values where serving == nil || driver.runtime == serving {
            total = total + (try await driver.evictImages(from: settings.registry, keeping: inUse))
            localImages[driver.runtime] = localImages[driver.runtime]?.intersection(inUse)
        }
        logger.info("images evicted", metadata: ["images": "\(total.images)", "bytes": "\(total.bytes)", "runtime": "\(runtime?.rawValue ?? "all")"])
        return total
    }

    /// Reads back what the runtimes run for this edge: running instances are probed and kept
    /// (ready once they serve), stopped ones are destroyed so nothing is left orphaned.
    public func recover() async {
        // Once per operator: a process that recovers before serving need not do it again.
        guard !recovered else { return }
        recovered = true
        for driver in drivers.values {
            do {
                try await adopt(driver)
            } catch {
                unlisted[driver.runtime] = "\(error)"
                logger.error("cannot list instances; deploys there list them again first", metadata: ["runtime": "\(driver.runtime.rawValue)", "error": "\(error)"])
            }
        }
    }

    /// Takes what `driver` runs for this edge into the records: running instances are probed
    /// (ready once they serve), stopped ones destroyed. Throws when the runtime cannot list them.
    private func adopt(_ driver: any RuntimeDriver) async throws {
        let found = try await driver.discover()
        for item in found where records[item.spec.id] == nil {
            guard item.running else {
                do {
                    try await driver.destroy(item.handle, spec: item.spec)
                    logger.notice("removed a stopped instance found at start", metadata: ["instance.id": "\(item.spec.id)"])
                } catch {
                    logger.error("cannot remove a stopped instance found at start; the next start tries again", metadata: [
                        "instance.id": "\(item.spec.id)", "runtime": "\(driver.runtime.rawValue)", "error": "\(error)"])
                }
                continue
            }
            localImages[item.spec.runtime, default: []].insert(item.spec.image)
            var record = EdgeInstance(spec: item.spec, requested: Date(), emulated: driver.isEmulated, timingNote: driver.timingNote)
            record.handle = item.handle
            record.phase = .booting
            record.timeline.began[.booting] = record.timeline.requested
            records[item.spec.id] = record
            changes.changed(item.spec.id)
            publish(record)
            logger.notice("found a running instance at start", metadata: ["instance.id": "\(item.spec.id)", "instance.address": "\(item.spec.address)"])
            lifecycles[item.spec.id] = Task { await self.awaitReadiness(item.spec, handle: item.handle, driver: driver) }
        }
    }

    /// Before a deploy on a runtime that could not be listed at start: lists it again, and
    /// says why the deploy cannot go on (still unlisted, or its address held by what it runs).
    private func listedBeforeDeploy(_ spec: InstanceSpec, driver: any RuntimeDriver) async -> EdgeError? {
        guard let reason = unlisted[spec.runtime] else { return nil }
        do {
            try await adopt(driver)
            unlisted[spec.runtime] = nil
        } catch {
            return .runtimeFailed(runtime: spec.runtime, operation: "list", reason: "cannot tell what it already runs (\(error); at start: \(reason))")
        }
        let holder = records.values.first { $0.spec.id != spec.id && !$0.phase.isFinal && $0.spec.address == spec.address }
        return holder == nil ? nil : .addressInUse(spec.address)
    }

    /// Samples node use and every ready instance's use, and probes every ready instance's
    /// health, until cancelled.
    public func monitorUsage() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.monitor.run() }
            group.addTask {
                while !Task.isCancelled {
                    await self.checkHealth()
                    try? await Task.sleep(for: self.settings.healthPeriod)
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    await self.sampleInstances()
                    await self.forgetFinished(olderThan: 600)
                    try? await Task.sleep(for: self.settings.usagePeriod)
                }
            }
        }
    }

    // MARK: Lifecycle

    private func bringUp(_ spec: InstanceSpec, driver: any RuntimeDriver) async {
        if let refusal = await listedBeforeDeploy(spec, driver: driver) {
            fail(spec.id, refusal)
            return
        }
        let handle: RuntimeHandle
        do {
            let image = try await driver.prepareImage(for: spec)
            localImages[spec.runtime, default: []].insert(spec.image)
            guard !Task.isCancelled, records[spec.id]?.phase == .pulling else { return }
            records[spec.id]?.image = image
            changes.changed(spec.id)
            enter(.booting, id: spec.id)
            // A boot is not interrupted half-way: what it creates is always known and destroyed.
            handle = try await Task.detached { try await driver.boot(spec) }.value
            records[spec.id]?.handle = handle
        } catch {
            guard !Task.isCancelled else { return }
            fail(spec.id, error)
            return
        }
        await awaitReadiness(spec, handle: handle, driver: driver)
    }

    private func awaitReadiness(_ spec: InstanceSpec, handle: RuntimeHandle, driver: any RuntimeDriver) async {
        do {
            let readyAt = try await readyOrFailed(spec, handle: handle, driver: driver)
            guard !Task.isCancelled, records[spec.id]?.phase == .booting else { return }
            enter(.ready, id: spec.id, at: readyAt)
        } catch {
            guard !Task.isCancelled, records[spec.id]?.phase == .booting else { return }
            do {
                try await driver.destroy(handle, spec: spec)
                fail(spec.id, error)
            } catch let destroyError {
                fail(spec.id, EdgeError.leftBehind(instance: spec.id, address: spec.address, cause: "\(error)", destroy: "\(destroyError)"))
            }
        }
    }

    /// The readiness probe's answer, unless the runtime says first that the instance stopped.
    private func readyOrFailed(_ spec: InstanceSpec, handle: RuntimeHandle, driver: any RuntimeDriver) async throws -> Date {
        let probe = probe, timeout = settings.bootTimeout, period = settings.bootCheckPeriod
        return try await withThrowingTaskGroup(of: Date?.self) { group in
            group.addTask { try await probe.waitUntilReady(spec, timeout: timeout) }
            group.addTask {
                while !Task.isCancelled {
                    if let reason = await driver.bootFailure(handle, spec: spec) { throw EdgeError.bootFailed(instance: spec.id, reason: reason) }
                    try await Task.sleep(for: period)
                }
                return nil
            }
            defer { group.cancelAll() }
            while let outcome = try await group.next() {
                if let readyAt = outcome { return readyAt }
            }
            throw EdgeError.cancelled(instance: spec.id)
        }
    }

    private func tearDown(_ id: String, wasReady: Bool, drain: Duration) async {
        guard let spec = records[id]?.spec, let driver = drivers[spec.runtime] else { return }
        if let lifecycle = lifecycles[id] {
            lifecycle.cancel()
            await lifecycle.value
        }
        if wasReady, let handle = records[id]?.handle { await waitForTransfers(spec, handle: handle, driver: driver, bound: drain) }
        do {
            if let handle = records[id]?.handle { try await driver.destroy(handle, spec: spec) }
            enter(.gone, id: id)
        } catch {
            fail(id, error)
        }
        lifecycles[id] = nil
        removals[id] = nil
    }

    /// Waits until the instance has no established connection left, at most `bound`; a
    /// runtime that cannot count them is logged and not waited for.
    private func waitForTransfers(_ spec: InstanceSpec, handle: RuntimeHandle, driver: any RuntimeDriver, bound: Duration) async {
        let clock = ContinuousClock()
        let deadline = clock.now + bound
        while clock.now < deadline {
            do {
                guard try await driver.activeConnections(spec, handle: handle) > 0 else { return }
            } catch {
                logger.warning("cannot count the instance's connections; destroying without draining", metadata: ["instance.id": "\(spec.id)", "error": "\(error)"])
                return
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    private func sampleInstances() async {
        for record in records.values where record.phase == .ready {
            guard let handle = record.handle, let driver = drivers[record.spec.runtime] else { continue }
            if let usage = try? await driver.usage(of: handle) {
                records[record.spec.id]?.usage = usage
            }
        }
    }

    /// Probes every ready instance once, all at once, and counts what each probe saw.
    func checkHealth() async {
        let probe = probe
        let targets = records.values.filter { $0.phase == .ready }.map(\.spec)
        let results = await withTaskGroup(of: (id: String, passed: Bool).self) { group in
            for spec in targets {
                group.addTask { (spec.id, await probe.serves(address: spec.address, port: spec.port, path: spec.readinessPath)) }
            }
            var results: [(id: String, passed: Bool)] = []
            for await result in group { results.append(result) }
            return results
        }
        let now = Date()
        for result in results { count(probePassed: result.passed, id: result.id, at: now) }
    }

    /// One probe of a ready instance: a change of health is listed, published and logged.
    private func count(probePassed passed: Bool, id: String, at now: Date) {
        guard var record = records[id], record.phase == .ready else { return }
        var health = record.health ?? InstanceHealth()
        let failure = passed ? nil : "GET \(record.spec.readinessPath) on \(record.spec.address):\(record.spec.port) gave no 200 within \(probe.attemptTimeout)"
        let changed = settings.health.record(passed: passed, failure: failure, into: &health, at: now)
        record.health = health
        records[id] = record
        guard changed else { return }
        changes.changed(id)
        publish(record)
        let metadata: Logger.Metadata = ["instance.id": "\(id)", "instance.healthy": "\(health.healthy)", "instance.probes": "\(health.healthy ? health.passes : health.failures)"]
        if health.healthy { logger.notice("instance healthy again", metadata: metadata) } else { logger.warning("instance unhealthy", metadata: metadata.merging(["error": "\(failure ?? "")"]) { $1 }) }
    }

    // MARK: Records

    /// Drops gone and failed instances whose last phase began more than `seconds` ago, so a
    /// long-running operator's memory does not grow with every instance it ever ran.
    private func forgetFinished(olderThan seconds: Double) {
        let now = Date()
        for (id, record) in records where record.phase.isFinal {
            guard let ended = record.timeline.began[record.phase], now.timeIntervalSince(ended) > seconds else { continue }
            records[id] = nil
            lifecycles[id] = nil
            changes.forgot(id)
        }
    }

    @discardableResult
    private func enter(_ phase: InstancePhase, id: String, at time: Date = Date()) -> EdgeInstance? {
        guard var record = records[id] else { return nil }
        let previous = record.phase
        if let started = record.timeline.began[previous] {
            Task { [monitor] in
                let peak = await monitor.cpuPeak(from: started, to: time)
                self.recordPeak(peak, phase: previous, id: id)
            }
        }
        record.phase = phase
        record.timeline.began[phase] = time
        record.seconds = record.measured
        records[id] = record
        changes.changed(id)
        publish(record)
        var metadata: Logger.Metadata = ["instance.id": "\(id)", "instance.phase": "\(phase.rawValue)"]
        for (name, seconds) in record.seconds { metadata["instance.\(name)_s"] = "\(String(format: "%.4f", seconds))" }
        logger.info("instance phase", metadata: metadata)
        return record
    }

    private func recordPeak(_ peak: Double?, phase: InstancePhase, id: String) {
        guard let peak else { return }
        records[id]?.nodeCPUPeak[phase] = peak
    }

    private func fail(_ id: String, _ error: any Error) {
        records[id]?.failure = "\(error)"
        logger.error("instance failed", metadata: ["instance.id": "\(id)", "error": "\(error)"])
        enter(.failed, id: id)
    }

    private func publish(_ record: EdgeInstance) {
        for continuation in subscribers.values { continuation.yield(record) }
    }

    private func unsubscribe(_ key: UUID) {
        subscribers[key] = nil
    }

    // MARK: Requests

    /// The runtime that runs a technology's instances here: without that technology, the
    /// emulated runtime stands in for it.
    private func servingRuntime(_ runtime: RuntimeKind) -> RuntimeKind {
        drivers[runtime] == nil && drivers[.emulated] != nil ? .emulated : runtime
    }

    /// The runtime that runs a flavor here, if any: a flavor that is never emulated needs its
    /// real technology.
    private func servingRuntime(for flavor: Flavor) -> RuntimeKind? {
        let runtime = servingRuntime(flavor.runtime)
        guard drivers[runtime] != nil, flavor.emulable || drivers[runtime]?.isEmulated == false else { return nil }
        return runtime
    }

    private func makeSpec(_ request: CreateInstanceRequest) throws -> InstanceSpec {
        let node = settings.node
        guard let content = settings.catalog.item(named: request.content) else {
            throw EdgeError.invalidRequest("unknown content '\(request.content)'")
        }
        guard content.flavors.contains(request.flavor), let flavor = settings.flavors[request.flavor] else {
            throw EdgeError.invalidRequest("content '\(request.content)' is not served by flavor '\(request.flavor)' (it is by: \(content.flavors.joined(separator: ", ")))")
        }
        guard let runtime = servingRuntime(for: flavor), let pool = node.pools[runtime], let driver = drivers[runtime] else {
            let why = flavor.emulable ? "" : " (\(flavor.name) runs only on a real \(flavor.runtime.rawValue) runtime, never emulated)"
            throw EdgeError.invalidRequest("\(node.name) offers no \(flavor.runtime.rawValue) runtime for flavor '\(flavor.name)'\(why)")
        }
        let live = records.values.filter { !$0.phase.isFinal }
        guard live.count < node.instanceLimit else { throw EdgeError.limitReached(edge: node.name, limit: node.instanceLimit) }
        let taken = Set(live.map(\.spec.address))
        let address: String
        if let requested = request.address {
            guard let parsed = IPAddress(requested), pool.contains(parsed) else {
                throw EdgeError.invalidRequest("address '\(requested)' is not in \(node.name)'s \(runtime.rawValue) pool \(pool)")
            }
            address = parsed.description
            guard !taken.contains(address), driver.addressIsFree(address, port: settings.servicePort) else {
                throw EdgeError.addressInUse("\(address):\(settings.servicePort)")
            }
        } else {
            let candidates = pool.hostAddresses(limit: taken.count + node.instanceLimit + 64).map(\.description)
            guard let free = candidates.first(where: { !taken.contains($0) && driver.addressIsFree($0, port: settings.servicePort) }) else {
                throw EdgeError.addressInUse("no free address in \(pool)")
            }
            address = free
        }
        let cpus = request.cpus ?? 1
        // A real guest flavor gets the least memory measured to serve its content (flavors.yaml).
        let memory = request.memoryMegabytes ?? flavor.memoryMegabytes(forContentBytes: content.sizeBytes) ?? 256
        guard cpus > 0, cpus <= 64, (4...65_536).contains(memory) else {
            throw EdgeError.invalidRequest("limits out of range: cpus \(cpus) (0…64), memory \(memory) MB (4…65536)")
        }
        let image = request.image ?? "\(settings.registry)/augur/\(flavor.name):\(content.name)"
        // Only the topology's registry: an image from anywhere else would make this edge fetch
        // from, and run what, a caller chose.
        guard try ImageReference.parse(image).registry == settings.registry.description else {
            throw EdgeError.invalidRequest("image '\(image)' is not in the topology's registry \(settings.registry)")
        }
        let id = "\(content.name)-\(flavor.name)-\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
        return InstanceSpec(
            id: id, edge: node.name, content: content.name, flavor: flavor.name, runtime: runtime, image: image,
            address: address, port: settings.servicePort, cpus: cpus, memoryMegabytes: memory)
    }
}
