import AsyncHTTPClient
import NIOCore
import NIOPosix

/// The HTTP client Augur's parts talk to each other with (operators, the registry, dockerd).
/// AsyncHTTPClient's default keeps retrying a refused connection until the request's
/// deadline; here a connection that is refused or not accepted within `connectTimeout`
/// fails the request at once, so "registry down" or "edge unreachable" is reported
/// immediately and a silent edge never holds a caller for long. Nothing blocks a thread.
public enum FailFastHTTP {
    public static let connectTimeout = TimeAmount.seconds(2)

    public static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = connectTimeout
        return HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }()
}
