import AugurModel
import DNSBalancer
import EdgeWire
import Foundation
import Logging
import Planning

/// What the loop keeps: instance rows, outcomes and events for the record sink, the DNS
/// pools following the fleet, metrics.
extension ControlLoop {
    func observe(_ instance: EdgeInstance) {
        apply(fleet.observe(instance))
        persist(instance)
    }

    func persist(_ instance: EdgeInstance) {
        pending.record(instance, removing: fleet.members[instance.spec.id]?.removing ?? false, at: clock.date)
        feed.publish(.fleet)
    }

    /// Hands what is pending to the record sink (see `SQLiteRecordWriter` for a failed store).
    func flush() {
        guard !pending.isEmpty else { return }
        records.submit(RecordBatch(pending: pending))
        pending = PendingWrites()
    }

    /// Makes the DNS pools follow the fleet, with one published table for all of `changes`.
    func apply(_ changes: [PoolChange]) {
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

    func outcome(_ id: Int64?, _ outcome: ActionRecord.Outcome, kind: ActionRecord.Kind, instance: String? = nil, detail: String? = nil) {
        metrics.action(kind: kind, outcome: outcome)
        feed.publish(.action)
        guard let id else { return }
        records.submit(RecordBatch(outcomes: [ActionOutcome(action: id, outcome: outcome, instance: instance, detail: detail, at: clock.date)]))
    }

    func event(_ kind: String, _ subject: String, _ message: String) {
        logger.info("\(message)", metadata: ["event.kind": "\(kind)", "event.subject": "\(subject)"])
        let entry = StateStore.Event(at: clock.date, kind: kind, subject: subject, message: message)
        pending.append(entry)
        feed.publish(.event(entry))
    }

    func report(_ record: IntervalRecord) {
        for edge in edges.keys {
            for phase in InstancePhase.allCases where !phase.isFinal {
                metrics.instances(edge: edge, phase: phase.rawValue, count: fleet.liveByEdge[edge]?[phase] ?? 0)
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
}
