import AugurModel
import DNSBalancer
import EdgeLink
import EdgeWire
import Foundation
import Logging
import Planning

/// Performing what the decisions return: the jobs (whose answers come back as events), the
/// DNS pools and hold gates, the store (before acting), the record sink, the feed, the logs
/// and the metrics.
extension ControlLoop {
    /// Performs `actions` in order, then hands the rows and events they kept to the record
    /// sink (see `SQLiteRecordWriter` for a failed store); `flush` false: they wait for the
    /// next actions that do (a tick's reconcile leaves them to go with the interval, so that
    /// storing them does not share the tick's core).
    func perform(_ actions: [LoopAction], flush: Bool = true) {
        for action in actions { perform(action) }
        if flush { self.flush() }
    }

    private func perform(_ action: LoopAction) {
        switch action {
        case .create(let deploy, let name, let flavor):
            guard let edge = edges[name] else { return }
            enqueue {
                let result = await Self.attempt { try await edge.create(CreateInstanceRequest(content: deploy.content, flavor: flavor)) }
                await self.handle { $0.created(deploy, edge: name, flavor: flavor, result, at: $1) }
            }
        case .follow(let id, let name, let deploy):
            guard let edge = edges[name] else { return }
            enqueue {
                let result = await Self.attempt { try await edge.settled(id) }
                await self.handle { $0.settled(id, edge: name, action: deploy, result, at: $1) }
            }
        case .remove(let id, let name, let grace, let drainSeconds):
            guard let edge = edges[name] else { return }
            let clock = clock
            enqueue {
                // Cancelled: the loop is stopping; a restart finishes the removal (it is stored as such).
                do { try await clock.sleep(for: grace) } catch { return }
                let result = await Self.attempt { try await edge.remove(id, drainSeconds: drainSeconds) }
                await self.handle { $0.removed(id, result, at: $1) }
            }
        case .model(let work):
            let executor = modelWork
            enqueue {
                guard let result = await executor.run({ work.perform() }) else { return }
                await self.handle { $0.modelWorkDone(result, content: work.content, at: $1) }
            }
        case .publish(let changes):
            publish(changes)
        case .watchThresholds(let thresholds):
            pools.counters.watch(thresholds)
        case .gate(let content, let readyLookups, let readyIn, let bound):
            pools.counters.gate(content)?.update(readyLookups: readyLookups, readyIn: readyIn, bound: bound)
        case .regionalGate(let content, let region, let readyLookups, let readyIn, let bound):
            pools.counters.gate(content, region: region).update(readyLookups: readyLookups, readyIn: readyIn, bound: bound)
        case .share(let content, let lookups):
            do { try pools.setLookupsPerInstance(lookups, content: content) } catch {
                logger.error("cannot change the lookups DNS gives an instance", metadata: ["content": "\(content)", "error": "\(error)"])
            }
        case .storeDecisions(let actions, let progress):
            do { try store.recordDecisions(actions, progress: progress) } catch {
                logger.error("cannot store the interval's actions and progress", metadata: ["loop.interval": "\(progress.intervals - 1)", "error": "\(error)"])
            }
        case .storeAction(let deploy):
            do { try store.recordAction(deploy) } catch {
                logger.error("cannot store a reactive action", metadata: ["action.id": "\(deploy.id ?? 0)", "error": "\(error)"])
            }
        case .storeContentChange(let content, let change):
            do { try store.recordContentChange(content, change) } catch {
                logger.error("cannot store a content change", metadata: ["content": "\(content)", "error": "\(error)"])
            }
        case .record(let instance, let removing, let date):
            pending.record(instance, removing: removing, at: date)
            feed.publish(.fleet)
        case .event(let entry):
            logger.info("\(entry.message)", metadata: ["event.kind": "\(entry.kind)", "event.subject": "\(entry.subject)"])
            pending.append(entry)
            feed.publish(.event(entry))
        case .outcome(let kind, let outcome, let stored):
            metrics.action(kind: kind, outcome: outcome)
            feed.publish(.action)
            if let stored { pending.append(stored) }
        case .storeInterval(let record, let readyNext):
            records.submit(RecordBatch(interval: IntervalSeries(record: record, readyNext: readyNext), pending: pending))
            pending = PendingWrites()
        case .edgeReachable(let edge, let reachable):
            metrics.edgeReachable(edge, reachable)
        case .refused(let edge, let instance, let reason, let firstTime):
            metrics.refusedReport(edge: edge)
            if firstTime { logger.warning("refused what an edge reported", metadata: ["edge.id": "\(edge)", "instance.id": "\(instance)", "reason": "\(reason)"]) }
        case .lostTrack(let instance, let error):
            logger.warning("lost track of an instance on its way up", metadata: ["instance.id": "\(instance)", "error": "\(error)"])
        }
    }

    /// What `body` returned, or threw.
    static func attempt<T: Sendable>(_ body: () async throws -> T) async -> Result<T, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    private func flush() {
        guard !pending.isEmpty else { return }
        records.submit(RecordBatch(pending: pending))
        pending = PendingWrites()
    }

    /// Makes the DNS pools follow the fleet, with one published table for all of `changes`.
    private func publish(_ changes: [PoolChange]) {
        guard !changes.isEmpty else { return }
        var batch: [AddressChange] = []
        for change in changes {
            let (id, content, flavor, address, node, answered) = switch change {
            case .add(let id, let content, let flavor, let address, let edge): (id, content, flavor, address, edge, true)
            case .remove(let id, let content, let flavor, let address): (id, content, flavor, address, "", false)
            }
            guard let ip = IPAddress(address) else {
                logger.error("cannot change the DNS pools", metadata: ["change": "\(change)", "error": "\(DNSPoolError.badAddress(count: 0))"])
                continue
            }
            batch.append(AddressChange(address: ip.bytes, content: content, flavor: flavor, node: node, answered: answered))
            logger.info(answered ? "answered" : "no longer answered", metadata: ["instance.id": "\(id)", "instance.address": "\(address)"])
        }
        for failure in pools.apply(batch) {
            logger.error("cannot change the DNS pools", metadata: ["change": "\(failure.change)", "error": "\(failure.error)"])
        }
    }

    /// A closed interval's metrics and log line.
    func report(_ record: IntervalRecord) {
        for edge in edges.keys {
            for phase in InstancePhase.allCases where !phase.isFinal {
                metrics.instances(edge: edge, phase: phase.rawValue, count: decisions.fleet.liveByEdge[edge]?[phase] ?? 0)
            }
        }
        for (content, count) in record.lookups { metrics.lookups(content: content, count: count) }
        for (content, steps) in record.forecasts { if let next = steps.first { metrics.forecast(content: content, mean: next.mean) } }
        // Per region: demand, forecast and what serves it (zero where nothing does any more).
        var capacity = decisions.regionalCapacity()
        for (content, regions) in record.regions ?? [:] {
            for (region, demand) in regions {
                metrics.lookups(content: content, region: region, count: demand.lookups)
                metrics.regionForecast(content: content, region: region, mean: demand.forecast)
                let ready = capacity[region]?.removeValue(forKey: content) ?? ReadyCapacity(instances: 0, lookups: 0)
                metrics.regionCapacity(content: content, region: region, instances: ready.instances, lookups: ready.lookups)
            }
        }
        for (region, contents) in capacity {
            for (content, ready) in contents { metrics.regionCapacity(content: content, region: region, instances: ready.instances, lookups: ready.lookups) }
        }
        metrics.tick(milliseconds: record.tickMilliseconds)
        logger.info("interval planned", metadata: [
            "loop.interval": "\(record.interval)", "loop.training": "\(record.training)",
            "loop.lookups": .dictionary(record.lookups.mapValues { .stringConvertible($0) }),
            "loop.forecast": .dictionary(record.forecasts.mapValues { .string($0.first.map { String(format: "%.1f", $0.mean) } ?? "-") }),
            "loop.actions": "\(record.actions.count)", "loop.unmet": "\(record.unmet.count)",
            "loop.tick_ms": "\(String(format: "%.2f", record.tickMilliseconds))",
        ])
    }
}
