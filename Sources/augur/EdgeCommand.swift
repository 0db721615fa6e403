import ArgumentParser
import AugurModel
import EdgeOperator
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// `augur edge`: one edge PoP's service operator, serving its HTTP API.
struct EdgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edge",
        abstract: "Run the service operator of one edge: boot and drain instances on its runtimes, over an HTTP API."
    )

    enum XenRuntime: String, ExpressibleByArgument, CaseIterable {
        case xl, emulated
    }

    @OptionGroup var config: ConfigurationOptions
    @OptionGroup var logging: LoggingOptions

    @Option(help: "The node of the topology to operate.")
    var edge: String

    @Option(help: "Serve the API on ADDRESS:PORT (default: the node's operator.listen).")
    var listen: String?

    @Option(help: "Unikernel flavors through Xen's xl toolstack, or emulated (no Xen dom0 on this machine).")
    var xen: XenRuntime = .emulated

    @Option(help: "The xl executable (with --xen xl).")
    var xl: String = "xl"

    @Option(help: "Where generated payloads are (for emulated instances).")
    var payloads: String = "Content/payloads"

    @Option(help: "Where the operator keeps what it must find again after a restart (default: the node's operator.state_directory).")
    var stateDirectory: String?

    @Option(help: "Seconds a boot may take before the instance is destroyed and reported failed.")
    var bootTimeout: Int = 60

    func validate() throws {
        if let listen, SocketEndpoint(listen) == nil { throw ValidationError("--listen '\(listen)' is not ADDRESS:PORT") }
        guard bootTimeout > 0 else { throw ValidationError("--boot-timeout must be positive") }
    }

    func run() async throws {
        logging.bootstrap()
        let logger = Logger(label: "augur.edge")
        let configuration = try config.load()
        guard let node = configuration.topology.node(named: edge) else {
            throw ValidationError("no node '\(edge)' in \(config.topology) (nodes: \(configuration.topology.nodes.map(\.name).joined(separator: ", ")))")
        }
        guard let endpoint = listen.flatMap(SocketEndpoint.init) ?? node.operatorSettings.listen else {
            throw ValidationError("node '\(edge)' has no operator.listen in \(config.topology); pass --listen")
        }
        let token = try OperatorToken.load(configuration.topology.tokenFile)
        let state = URL(fileURLWithPath: stateDirectory ?? node.operatorSettings.stateDirectory)
        var drivers: [any RuntimeDriver] = [
            DockerDriver(socketPath: node.operatorSettings.dockerSocket, edge: node.name),
            EmulatedDriver(flavors: configuration.flavors, payloads: URL(fileURLWithPath: payloads), stateDirectory: state),
        ]
        if xen == .xl { drivers.append(XenDriver(stateDirectory: state, xl: xl)) }
        var settings = EdgeOperator.Settings(configuration: configuration, node: node)
        settings.bootTimeout = .seconds(bootTimeout)
        let edgeOperator = EdgeOperator(settings: settings, drivers: drivers, logger: logger)
        let api = Application(
            router: EdgeAPI.router(for: edgeOperator, token: token),
            configuration: .init(address: .hostname(endpoint.address.description, port: endpoint.port), serverName: "augur-edge/\(node.name)"),
            logger: logger)
        let group = ServiceGroup(
            services: [EdgeOperatorService(edge: edgeOperator), api],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        logger.info("edge operator serving", metadata: ["edge.id": "\(node.name)", "api.listen": "\(endpoint)", "xen": "\(xen.rawValue)"])
        try await group.run()
    }
}
