import APIServing
import ArgumentParser
import EdgeOperator
import Hummingbird
import HummingbirdCore
import HummingbirdTLS

/// Who may read an API and how many may use it at once: the options `augur serve` and
/// `augur edge` share (see `APIAccess`).
struct APIAccessOptions: ParsableArguments {
    @Flag(help: "Let every GET through without the bearer token (API, streams). Changes always need it.")
    var publicRead = false

    @Option(help: "Open connections at most; more are closed on accept.")
    var maxConnections = 512

    @Option(help: "Calls in flight at most; more are answered 503.")
    var maxRequests = 256

    @Option(help: "Event streams and long polls open at most; more are answered 503.")
    var maxStreams = 32

    func validate() throws {
        guard maxConnections >= 1, maxRequests >= 1, maxStreams >= 1 else {
            throw ValidationError("--max-connections, --max-requests and --max-streams must be at least 1")
        }
    }

    func admission() -> APIAdmission {
        APIAdmission(limits: .init(requests: maxRequests, streams: maxStreams, connections: maxConnections))
    }

    /// HTTP/1.1 with the connection cap, inside TLS when `tls` is given; idle connections close after 75 s.
    func server(_ admission: APIAdmission, tls: TLSConfiguration? = nil) throws -> HTTPServerBuilder {
        let http: HTTPServerBuilder = .http1(configuration: .init(additionalChannelHandlers: [admission.connectionCap()], idleTimeout: .seconds(75)))
        guard let tls else { return http }
        return try .tls(http, tlsConfiguration: tls)
    }
}
