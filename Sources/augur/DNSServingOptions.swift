import ArgumentParser
import AugurModel
import DNSBalancer
import Foundation
import Logging

/// How the DNS balancer listens and counts, shared by `augur dns` and `augur serve`.
struct DNSServingOptions: ParsableArguments {
    @Option(help: "Serve DNS on ADDRESS:PORT instead of the topology's DNS addresses (repeatable).")
    var dnsListen: [String] = []

    @Option(help: "Counting interval, e.g. 1s or 30s (default: the topology's).")
    var interval: String?

    @Option(help: "UDP workers (event loops), each with its own socket.")
    var workers: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "UDP I/O: batch (recvmmsg/sendmmsg, Linux) or nio.")
    var udpIO: UDPIO = .batch

    @Option(help: "Response rate limit: UDP answers a second per source /24 (IPv6 /56); 0 turns it off (default: the topology's dns.rrl, else 200).")
    var rrlRate: Int?

    @Option(help: "TCP connections open at once at most; more are closed on accept.")
    var maxTcpConnections = 512

    func validate() throws {
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
        guard (rrlRate ?? 0) >= 0, maxTcpConnections >= 1 else { throw ValidationError("--rrl-rate cannot be negative; --max-tcp-connections must be at least 1") }
        for text in dnsListen where SocketEndpoint(text) == nil {
            throw ValidationError("--dns-listen '\(text)' is not ADDRESS:PORT (e.g. 127.0.0.1:5300 or [::1]:5300)")
        }
        if let interval, (Units.milliseconds(interval) ?? 0) < 1_000 {
            throw ValidationError("--interval '\(interval)' is not a duration of at least 1s")
        }
    }

    func endpoints(_ topology: Topology) -> [SocketEndpoint] {
        dnsListen.isEmpty ? topology.dns.listen : dnsListen.compactMap(SocketEndpoint.init)
    }

    func rateLimit(_ topology: Topology) -> DNSSettings.RateLimit {
        var limit = topology.dns.rateLimit
        if let rrlRate { limit.rate = rrlRate }
        return limit
    }

    /// The DNS service these options describe.
    func service(_ pools: DNSPools, topology: Topology, logger: Logger) -> DNSService {
        DNSService(
            pools: pools, listen: endpoints(topology), workers: workers, udpIO: udpIO, rateLimit: rateLimit(topology), tcpConnections: maxTcpConnections,
            logger: logger)
    }

    func intervalMilliseconds(_ topology: Topology) -> Int {
        interval.flatMap(Units.milliseconds) ?? topology.dns.intervalMilliseconds
    }
}

extension UDPIO: ExpressibleByArgument {}
