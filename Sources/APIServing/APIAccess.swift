import ConnectionCap
import Hummingbird
import NIOCore
import Synchronization

/// Who may call an API, and how many at once. Every call needs `Authorization: Bearer
/// <token>` (compared in constant time), except `/healthz`, `/metrics` and the API's other
/// open paths (a dashboard's page shell), and, with `publicRead`, every `GET` and `HEAD`.
/// Calls in flight are capped, and streams and long polls (`/…/events`, `/…/stream`,
/// `?wait=`) have a smaller cap of their own, held until their body is
/// written: over a cap the answer is 503 with `Retry-After`, so a flood of readers cannot
/// exhaust the process the loop and DNS run in. A stream is known by its route's last path
/// component whatever slashes surround it (`/v1/stream/` is the stream), and callers that
/// hold the token keep a reserve of both caps that anonymous public readers cannot take, so
/// readers cannot lock the orchestrator out of an edge's waits.
public struct APIAccess<Context: RequestContext>: RouterMiddleware {
    /// Paths anyone may read on every API: liveness and the Prometheus export.
    public static var openPaths: Set<String> { ["/healthz", "/metrics"] }

    let token: [UInt8]
    let publicRead: Bool
    let admission: APIAdmission
    let open: Set<String>

    /// `openPaths`: more paths anyone may read (with `GET` or `HEAD`) besides `/healthz` and `/metrics`.
    public init(token: String, publicRead: Bool = false, admission: APIAdmission = APIAdmission(), openPaths: Set<String> = []) {
        self.token = Array(token.utf8)
        self.publicRead = publicRead
        self.admission = admission
        open = openPaths
    }

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let reads = request.method == .get || request.method == .head
        if Self.openPaths.contains(path) || (reads && open.contains(path)) { return try await next(request, context) }
        let refusal = refusal(of: request)
        if let refusal, !(publicRead && reads) { throw refusal }
        guard let ticket = admission.admit(stream: Self.isStream(request), authorized: refusal == nil) else {
            let what = Self.isStream(request) ? "streams and long polls (\(admission.limits.streams))" : "calls in flight (\(admission.limits.requests))"
            throw HTTPError(.serviceUnavailable, headers: [.retryAfter: "1"], message: "too many \(what); retry later")
        }
        var response = try await next(request, context)
        let body = response.body
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            defer { ticket.release() }
            try await body.write(writer)
        }
        return response
    }

    /// Streams and long polls: `…/events` or `…/stream` (as the router matches them, so empty
    /// path components do not count), or any call with `wait`.
    static func isStream(_ request: Request) -> Bool {
        let last = request.uri.path.split(separator: "/", omittingEmptySubsequences: true).last
        return last == "events" || last == "stream" || request.uri.queryParameters.get("wait") != nil
    }

    /// Why the request may not act as the token's holder; nil when it carries the token.
    private func refusal(of request: Request) -> HTTPError? {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else {
            return HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "this call needs Authorization: Bearer <token>")
        }
        guard Self.equal(Array(header.utf8.dropFirst(7)), token) else {
            return HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer error=\"invalid_token\""], message: "the bearer token is not valid")
        }
        return nil
    }

    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// The counts behind `APIAccess`'s caps, and the cap on open connections (`connectionCap`).
public final class APIAdmission: Sendable {
    public struct Limits: Sendable, Hashable {
        public var requests: Int
        public var streams: Int
        public var connections: Int
        /// Of `connections`, how many one source address may hold.
        public var connectionsPerSource: Int
        /// Of `requests` and of `streams`, how many only callers with the token may hold.
        public var reservedRequests: Int
        public var reservedStreams: Int

        public init(
            requests: Int = 256, streams: Int = 32, connections: Int = 512, connectionsPerSource: Int? = nil, reservedRequests: Int = 64, reservedStreams: Int = 8
        ) {
            self.requests = requests
            self.streams = streams
            self.connections = connections
            self.connectionsPerSource = min(connectionsPerSource ?? max(1, connections / 4), connections)
            self.reservedRequests = min(reservedRequests, requests)
            self.reservedStreams = min(reservedStreams, streams)
        }
    }

    /// A held slot; released once, explicitly or when dropped.
    final class Ticket: Sendable {
        private let released = Atomic(false)
        private let admission: APIAdmission
        private let stream: Bool

        init(_ admission: APIAdmission, stream: Bool) {
            self.admission = admission
            self.stream = stream
        }

        func release() {
            guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
            admission.counts.withLock { counts in
                counts.requests -= 1
                if stream { counts.streams -= 1 }
            }
        }

        deinit { release() }
    }

    public let limits: Limits
    let counts = Mutex((requests: 0, streams: 0))
    let connections: ConnectionCap

    public init(limits: Limits = Limits()) {
        self.limits = limits
        connections = ConnectionCap(limit: limits.connections, perSource: limits.connectionsPerSource)
    }

    /// A slot, if one is free to this caller: an anonymous one stops short of the reserve.
    func admit(stream: Bool, authorized: Bool = true) -> Ticket? {
        let requests = authorized ? limits.requests : limits.requests - limits.reservedRequests
        let streams = authorized ? limits.streams : limits.streams - limits.reservedStreams
        let admitted = counts.withLock { counts in
            guard counts.requests < requests, !stream || counts.streams < streams else { return false }
            counts.requests += 1
            if stream { counts.streams += 1 }
            return true
        }
        return admitted ? Ticket(self, stream: stream) : nil
    }

    /// What is held now, for tests and logs.
    public var held: (requests: Int, streams: Int, connections: Int) {
        let (requests, streams) = counts.withLock { ($0.requests, $0.streams) }
        return (requests, streams, connections.count)
    }

    /// A handler for each accepted connection: beyond `limits.connections` open at once, the
    /// new connection is closed at once.
    public func connectionCap() -> ConnectionCap.Handler { connections.handler() }
}
