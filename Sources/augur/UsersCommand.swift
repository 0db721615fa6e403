import ArgumentParser
import AugurModel
import Foundation
import Workload

/// `augur users`: the load generator. Runs one round of users, at once or spread over the
/// round (each resolves the
/// content's name through the balancer, downloads the object and times it) and prints what
/// each saw as a JSON array of `UserResult`. `augur replay --testbed` runs it in the clients'
/// namespace, so that users reach DNS and instances over the clients' own links.
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users",
        abstract: "Run one round of users against a content and print what each saw (JSON)."
    )

    @OptionGroup var config: ConfigurationOptions

    @Argument(help: "The content every user downloads (a catalog item).")
    var item: String

    @Option(help: "How many users arrive.")
    var users: Int = 1

    @Option(help: "How they arrive: burst (all at once) or uniform (spread evenly over the first 80 % of --round-ms).")
    var arrival: Arrival = .burst

    @Option(help: "The round's milliseconds (with --arrival uniform).")
    var roundMs: Int = 3_000

    @Option(help: "The DNS balancer's ADDRESS:PORT (default: the topology's first DNS listener).")
    var dns: String?

    @Option(help: "Send the users' DNS queries from this ADDRESS (a client site's own: it places them in its region).")
    var source: String?

    @Option(help: "Download from this instance address (on the topology's service port) without asking DNS.")
    var address: String?

    @Flag(help: "Give each user's SHA-256 of the bytes it received (to check them against the object).")
    var digest = false

    func validate() throws {
        guard users >= 0 else { throw ValidationError("--users must not be negative") }
        guard roundMs > 0 else { throw ValidationError("--round-ms must be positive") }
        if let dns, SocketEndpoint(dns) == nil { throw ValidationError("--dns '\(dns)' is not ADDRESS:PORT") }
        if let source, IPAddress(source) == nil { throw ValidationError("--source '\(source)' is not an IP address") }
        if let address, IPAddress(address) == nil { throw ValidationError("--address '\(address)' is not an IP address") }
        if address != nil, dns != nil { throw ValidationError("--address downloads without DNS: give --dns or --address, not both") }
    }

    func run() async throws {
        let configuration = try config.load()
        let topology = configuration.topology
        guard let content = configuration.catalog.item(named: item) else { throw ValidationError("no content '\(item)' in \(config.content)") }
        let offsets = arrival.offsets(users: users, roundMilliseconds: roundMs)
        let source: UserSession.Source = address.map { .address($0) } ?? .balancer(
            Resolver(server: dns.flatMap(SocketEndpoint.init) ?? topology.dns.listen[0], source: source.flatMap(IPAddress.init)))
        let session = UserSession(source: source, port: topology.servicePort, digests: digest)
        let results = await Round.run(offsets: offsets, of: content, topology: topology, session: session)
        FileHandle.standardOutput.write(try JSONEncoder().encode(results))
    }
}

extension Arrival: ExpressibleByArgument {}
