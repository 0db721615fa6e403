import ArgumentParser
import AugurModel
import EdgeLink
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

    @OptionGroup var config: ConfigurationOptions
    @OptionGroup var runtimes: EdgeRuntimeOptions
    @OptionGroup var logging: LoggingOptions
    @OptionGroup var access: APIAccessOptions

    @Option(help: "The node of the topology to operate.")
    var edge: String

    @Option(help: "Serve the API on ADDRESS:PORT (default: the node's operator.listen).")
    var listen: String?

    @Option(help: "Where the operator keeps what it must find again after a restart (default: the node's operator.state_directory).")
    var stateDirectory: String?

    func validate() throws {
        if let listen, SocketEndpoint(listen) == nil { throw ValidationError("--listen '\(listen)' is not ADDRESS:PORT") }
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
        let token = try OperatorToken.load(node.operatorSettings.tokenFile)
        let tls = try OperatorTLS.server(for: node)
        let edgeOperator = runtimes.makeOperator(
            node: node, configuration: configuration, stateDirectory: stateDirectory, logins: try RegistryAccess.logins(configuration.topology), logger: logger)
        let admission = access.admission()
        let api = Application(
            router: EdgeAPI.router(for: edgeOperator, token: token, publicRead: access.publicRead, admission: admission),
            server: try access.server(admission, tls: tls),
            configuration: .init(address: .hostname(endpoint.address.description, port: endpoint.port), serverName: "augur-edge/\(node.name)"),
            logger: logger)
        let group = ServiceGroup(
            services: [EdgeOperatorService(edge: edgeOperator), api],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        logger.info("edge operator serving", metadata: ["edge.id": "\(node.name)", "api.listen": "\(endpoint)", "api.tls": "\(tls != nil)", "xen": "\(runtimes.xen.rawValue)"])
        try await group.run()
    }
}
