import Deadline
import DNSBalancer
import Foundation
import ServiceLifecycle
import Synchronization

/// DNS responses per second by response code over one second, as the dashboard plots them.
public struct DNSTrafficSample: Sendable, Hashable, Codable {
    public var at: Date
    /// Responses per second, by code name (`NOERROR`, `NXDOMAIN`, …, `LIMITED`).
    public var perSecond: [String: Double]

    /// Every response per second but rate-limited ones.
    public var answered: Double { perSecond.filter { $0.key != "LIMITED" }.values.reduce(0, +) }
}

/// Reads the DNS balancer's response counts once a period, keeps the last samples' rates
/// (what the dashboard's first render draws) and publishes each to the feed (what keeps it
/// live). Totals only grow, so a late read spreads over the time it really covered.
public final class DNSTrafficMeter: Service, Sendable {
    private struct State {
        var samples: [DNSTrafficSample] = []
        var last: (at: ContinuousClock.Instant, totals: [String: Int])?
    }

    private let responses: ResponseCodeCounters
    private let unknown: UnknownNames
    private let feed: LoopFeed
    private let period: Duration
    private let kept: Int
    private let state = Mutex(State())

    public init(counters: DemandCounters, feed: LoopFeed, period: Duration = .seconds(1), kept: Int = 300) {
        responses = counters.responses
        unknown = counters.unknownNames
        self.feed = feed
        self.period = period
        self.kept = kept
    }

    /// The last samples, oldest first.
    public func history() -> [DNSTrafficSample] {
        state.withLock { $0.samples }
    }

    /// Every response since the DNS balancer started, by code name.
    public func totals() -> [String: Int] {
        responses.totals()
    }

    /// The unknown names most asked for since the start, most first.
    public func unknownNames(_ limit: Int) -> [UnknownNames.Entry] {
        unknown.top(limit)
    }

    /// Takes one sample now (the first read only sets the baseline and returns nil).
    @discardableResult
    public func sample(now: ContinuousClock.Instant = .now, at date: Date = Date()) -> DNSTrafficSample? {
        let totals = responses.totals()
        let sample: DNSTrafficSample? = state.withLock { state in
            defer { state.last = (now, totals) }
            guard let last = state.last else { return nil }
            let elapsed = now - last.at
            let seconds = elapsed.inSeconds
            guard seconds > 0 else { return nil }
            let rates = totals.mapValues(Double.init).merging(last.totals.mapValues { -Double($0) }, uniquingKeysWith: +).mapValues { $0 / seconds }
            let sample = DNSTrafficSample(at: date, perSecond: rates)
            state.samples.append(sample)
            if state.samples.count > kept { state.samples.removeFirst(state.samples.count - kept) }
            return sample
        }
        if let sample { feed.publish(.dns(sample)) }
        return sample
    }

    public func run() async throws {
        sample()
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: self.period) } catch { return }
                self.sample()
            }
        }
    }
}
