import AsyncHTTPClient
import AugurModel

/// How the orchestrator (or a replay on the testbed) reaches each edge's operator: over
/// HTTPS trusting only the topology's CA when the topology has `tls`, else over plain HTTP
/// (which the topology allows only on loopback), and with that edge's own token, so no edge
/// is sent a credential that opens another.
public struct OperatorLinks: Sendable {
    let tokens: [String: String]
    let scheme: String
    let client: HTTPClient

    /// Why an edge cannot be reached as the topology says.
    public enum LinkError: Error, CustomStringConvertible {
        case noListen(edge: String)
        case noToken(edge: String)
        case tls(OperatorTLS.FileError)

        public var description: String {
            switch self {
            case .noListen(let edge): "edge '\(edge)' has no operator.listen: remote edges need it"
            case .noToken(let edge): "edge '\(edge)' has no token loaded (its operator.token_file)"
            case .tls(let error): "\(error)"
            }
        }
    }

    /// `tokens`: each edge's token, by node name, read from its `operator.token_file`.
    public init(topology: Topology, tokens: [String: String]) throws(LinkError) {
        self.tokens = tokens
        if let tls = topology.tls {
            do {
                client = FailFastHTTP.client(tls: try OperatorTLS.client(trusting: tls))
            } catch {
                throw .tls(error)
            }
            scheme = "https"
        } else {
            client = FailFastHTTP.client
            scheme = "http"
        }
    }

    /// The typed client of one edge's operator.
    public func client(for node: Node) throws(LinkError) -> EdgeClient {
        guard let listen = node.operatorSettings.listen else { throw .noListen(edge: node.name) }
        guard let token = tokens[node.name] else { throw .noToken(edge: node.name) }
        return EdgeClient(edge: node.name, baseURL: "\(scheme)://\(listen)", token: token, client: client)
    }
}
