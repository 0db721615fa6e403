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

    @OptionGroup var serving: DNSServingOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        logging.bootstrap()
        let logger = Logger(label: "augur.dns")
        let configuration = try config.load()
        let topology = configuration.topology
        let milliseconds = serving.intervalMilliseconds(topology)

        let pools = try DNSPools(settings: ZoneSettings(topology), contents: ContentPools.staticPools(configuration))
        let counter = IntervalCounter(counters: pools.counters, interval: .milliseconds(milliseconds), clock: ContinuousClock(), logger: logger)
        let group = ServiceGroup(
            services: [serving.service(pools, topology: topology, logger: logger), counter],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        try await group.run()
    }
}
