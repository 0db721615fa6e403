import AsyncHTTPClient
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization

/// The HTTP client Augur's parts talk to each other with (operators, the registry, dockerd).
/// AsyncHTTPClient's default keeps retrying a refused connection until the request's
/// deadline; here a connection that is refused or not accepted within `connectTimeout`
/// fails the request at once, so "registry down" or "edge unreachable" is reported
/// immediately and a silent edge never holds a caller for long. Nothing blocks a thread.
public enum FailFastHTTP {
    public static let connectTimeout = TimeAmount.seconds(2)

    public static let client = make(tls: nil)

    /// The same client with its own TLS settings (an edge link's CA), made once per distinct
    /// settings and kept for the process's life, as the plain one is.
    public static func client(tls: TLSConfiguration) -> HTTPClient {
        let key = TLSKey(configuration: tls)
        return clients.withLock { clients in
            if let client = clients[key] { return client }
            let client = make(tls: tls)
            clients[key] = client
            return client
        }
    }

    private static let clients = Mutex<[TLSKey: HTTPClient]>([:])

    private static func make(tls: TLSConfiguration?) -> HTTPClient {
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = connectTimeout
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }

    /// TLS settings as a dictionary key (NIOSSL compares them best-effort: same roots, same checks).
    private struct TLSKey: Hashable, Sendable {
        let configuration: TLSConfiguration
        static func == (a: TLSKey, b: TLSKey) -> Bool { a.configuration.bestEffortEquals(b.configuration) }
        func hash(into hasher: inout Hasher) { configuration.bestEffortHash(into: &hasher) }
    }
}
