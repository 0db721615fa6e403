import ArgumentParser
import AugurModel
import DNSBalancer
import Logging
import Foundation
import ServiceLifecycle

/// `augur dns`: the DNS load balancer alone, answering the topology's static instances
/// and logging each interval's lookup counts.
struct DNSCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dns",
        abstract: "Run the DNS load balancer alone, with the static pools of the configuration."
    )

    @OptionGroup var config: ConfigurationOptions

    @Option(help: "Listen on ADDRESS:PORT instead of the topology's DNS addresses (repeatable).")
    var listen: [String] = []

    @Option(help: "Counting interval, e.g. 1s or 30s (default: the topology's).")
    var interval: String?

    @Option(help: "UDP workers (event loops), each with its own socket.")
    var workers: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "UDP I/O: batch (recvmmsg/sendmmsg, Linux) or nio.")
    var udpIO: UDPIO = .batch

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        guard workers >= 1 else { throw ValidationError("--workers must be at least 1") }
        for text in listen where SocketEndpoint(text) == nil {
            throw ValidationError("--listen '\(text)' is not ADDRESS:PORT (e.g. 127.0.0.1:5300 or [::1]:5300)")
        }
        if let interval, (Units.milliseconds(interval) ?? 0) < 1_000 {
            throw ValidationError("--interval '\(interval)' is not a duration of at least 1s")
        }
    }

    func run() async throws {
        logging.bootstrap()
        let logger = Logger(label: "augur.dns")
        let configuration = try config.load()
        let topology = configuration.topology
        let endpoints = listen.isEmpty ? topology.dns.listen : listen.compactMap(SocketEndpoint.init)
        let milliseconds = interval.flatMap(Units.milliseconds) ?? topology.dns.intervalMilliseconds

        let pools = try DNSPools(settings: ZoneSettings(topology), contents: ContentPools.staticPools(configuration))
        let counter = IntervalCounter(counters: pools.counters, interval: .milliseconds(milliseconds), clock: ContinuousClock(), logger: logger)
        let group = ServiceGroup(
            services: [DNSService(pools: pools, listen: endpoints, workers: workers, udpIO: udpIO, logger: logger), counter],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        try await group.run()
    }
}

extension UDPIO: ExpressibleByArgument {}
