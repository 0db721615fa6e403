import APIServing
import AsyncHTTPClient
import EdgeOperator
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import HummingbirdCore
import HummingbirdTesting
import NIOCore
import TestSupport
import Testing

/// Who may call, and how many at once: the token on reads too, the open paths, public reads,
/// and the caps on calls and on streams (answered 503 with Retry-After, freed once the body
/// is written).
@Suite struct APIAccessTests {
    static let token = "access-test-token-0123456789"

    /// A gate a held call waits on until the test opens it.
    actor Gate {
        private var open = false
        func release() { open = true }
        func wait() async {
            while !open { try? await Task.sleep(for: .milliseconds(5)) }
        }
    }

    static func router(publicRead: Bool, admission: APIAdmission, gate: Gate) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: APIAccess(token: token, publicRead: publicRead, admission: admission))
        router.get("healthz") { _, _ in "ok" }
        router.get("metrics") { _, _ in "augur_up 1" }
        router.get("v1/thing") { _, _ in "thing" }
        router.post("v1/thing") { _, _ in "changed" }
        router.get("v1/events") { _, _ in
            await gate.wait()
            return "streamed"
        }
        return router
    }

    @Test func readsNeedTheTokenButHealthAndMetricsAndPublicReadsDoNot() async throws {
        let auth: HTTPFields = [.authorization: "Bearer \(Self.token)"]
        let closed = Application(router: Self.router(publicRead: false, admission: APIAdmission(), gate: Gate()))
        try await closed.test(.router) { client in
            try await client.execute(uri: "/v1/thing", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/v1/thing", method: .get, headers: [.authorization: "Bearer not-it"]) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/v1/thing", method: .get, headers: auth) { #expect($0.status == .ok) }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .ok) }
        }
        let open = Application(router: Self.router(publicRead: true, admission: APIAdmission(), gate: Gate()))
        try await open.test(.router) { client in
            try await client.execute(uri: "/v1/thing", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v1/thing", method: .post) { #expect($0.status == .unauthorized, "public reads never open changes") }
            try await client.execute(uri: "/v1/thing", method: .post, headers: auth) { #expect($0.status == .ok) }
        }
    }

    /// One GET on a connection of its own (the test client has one), with the token or without.
    static func get(_ url: String, token: Bool = false) async throws -> (status: UInt, retryAfter: String?, body: String) {
        var request = HTTPClientRequest(url: url)
        if token { request.headers.add(name: "authorization", value: "Bearer \(Self.token)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let body = try await response.body.collect(upTo: 1 << 16)
        return (response.status.code, response.headers.first(name: "retry-after"), String(buffer: body))
    }

    /// Whether `admission` holds `streams` streams within five seconds.
    static func holds(_ admission: APIAdmission, streams: Int) async throws -> Bool {
        for _ in 0..<1_000 where admission.held.streams < streams { try await Task.sleep(for: .milliseconds(5)) }
        return admission.held.streams == streams
    }

    /// Runs `body` with the base URL of a live public-read server under `limits`, its
    /// admission and its gate; checks that nothing is held afterwards.
    static func live(_ limits: APIAdmission.Limits, _ body: @escaping @Sendable (String, APIAdmission, Gate) async throws -> Void) async throws {
        let admission = APIAdmission(limits: limits)
        let gate = Gate()
        try await Application(router: Self.router(publicRead: true, admission: admission, gate: gate)).test(.live) { client in
            try await body("http://127.0.0.1:\(try #require(client.port))", admission, gate)
        }
        #expect(admission.held.requests == 0 && admission.held.streams == 0)
    }

    @Test func streamsOverTheirCapAreRefusedUntilOneEnds() async throws {
        try await Self.live(.init(requests: 8, streams: 1, connections: 8, reservedRequests: 0, reservedStreams: 0)) { base, admission, gate in
            let held = Task { try await Self.get(base + "/v1/events") }
            #expect(try await Self.holds(admission, streams: 1))
            let refused = try await Self.get(base + "/v1/events")
            #expect(refused.status == 503 && refused.retryAfter == "1", "\(refused)")
            #expect(try await Self.get(base + "/v1/thing").status == 200, "ordinary calls still pass")
            await gate.release()
            #expect(try await held.value.body == "streamed")
            #expect(try await Self.get(base + "/v1/events").status == 200, "the slot was freed")
        }
    }

    /// `/v1/events/` is the events route, so it holds a stream slot (it held a call's); and
    /// anonymous public readers stop short of the reserve the token's holder keeps.
    @Test func aTrailingSlashIsStillAStreamAndTheTokensHolderKeepsAReserve() async throws {
        try await Self.live(.init(requests: 8, streams: 2, connections: 8, reservedRequests: 0, reservedStreams: 1)) { base, admission, gate in
            let anonymous = Task { try await Self.get(base + "/v1/events/").status }
            #expect(try await Self.holds(admission, streams: 1), "the trailing slash holds a stream slot")
            #expect(try await Self.get(base + "/v1/events").status == 503, "an anonymous reader may not take the reserve")
            let owner = Task { try await Self.get(base + "/v1/events", token: true).status }
            #expect(try await Self.holds(admission, streams: 2), "the token's holder takes the reserved slot")
            await gate.release()
            let answered = (try await anonymous.value, try await owner.value)
            #expect(answered == (200, 200))
        }
    }

    /// A reader that leaves a quiet event stream frees its slot at the next heartbeat: the
    /// heartbeat's write fails, where nothing else would ever be written.
    @Test func aReaderThatLeavesAQuietStreamFreesItsSlot() async throws {
        let admission = APIAdmission(limits: .init(requests: 8, streams: 2, connections: 8))
        let (quiet, keep) = AsyncStream.makeStream(of: String.self)
        let router = Router()
        router.add(middleware: APIAccess(token: Self.token, admission: admission))
        router.get("v1/stream") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/event-stream"], body: EventStreamBody.make(opening: ": open\n\n", frames: quiet, heartbeat: .milliseconds(50)))
        }
        try await Application(router: router).test(.live) { client in
            let port = try #require(client.port)
            let request = Array("GET /v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(Self.token)\r\n\r\n".utf8)
            let read = await Testbed.blocking { () -> String in
                let descriptor = Self.connectTo(port)
                _ = send(descriptor, request, request.count, Int32(MSG_NOSIGNAL))
                var text = ""
                var buffer = [UInt8](repeating: 0, count: 4_096)
                while !text.contains(EventStreamBody.heartbeatFrame) {
                    let count = recv(descriptor, &buffer, buffer.count, 0)
                    guard count > 0 else { break }
                    text += String(decoding: buffer[..<count], as: UTF8.self)
                }
                close(descriptor)
                return text
            }
            #expect(read.contains(": open") && read.contains(EventStreamBody.heartbeatFrame), "\(read)")
            var freed = false
            for _ in 0..<400 where !freed {
                freed = admission.held.streams == 0
                if !freed { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(freed, "the stream's slot is freed once a heartbeat finds the reader gone (\(admission.held.streams) held)")
        }
        keep.finish()
    }

    /// A raw TCP connection to loopback `port`; -1 when refused.
    static func connectTo(_ port: Int, from source: String? = nil) -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            _ = withUnsafePointer(to: &local) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        return connected == 0 ? descriptor : -1
    }

    /// Sends one GET /healthz and returns what came back ("" when the server closed at once).
    static func exchange(_ descriptor: Int32) -> String {
        let request = Array("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        _ = send(descriptor, request, request.count, Int32(MSG_NOSIGNAL))
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = recv(descriptor, &buffer, buffer.count, 0)
        return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : ""
    }

    /// Runs `body` with the port and admission of a live server whose connections are capped by `limits`.
    static func capped(_ limits: APIAdmission.Limits, _ body: @escaping @Sendable (Int, APIAdmission) async throws -> Void) async throws {
        let admission = APIAdmission(limits: limits)
        let app = Application(
            router: Self.router(publicRead: false, admission: admission, gate: Gate()),
            server: .http1(configuration: .init(additionalChannelHandlers: [admission.connectionCap()])))
        try await app.test(.live) { client in try await body(try #require(client.port), admission) }
    }

    @Test func connectionsOverTheCapAreClosedOnAccept() async throws {
        try await Self.capped(.init(requests: 8, streams: 8, connections: 3, connectionsPerSource: 3)) { port, admission in
            // Open connections (the test client may hold one too) until one is closed on accept.
            var open: [Int32] = []
            defer { for descriptor in open { close(descriptor) } }
            var refused = false
            while !refused, open.count < 10 {
                let descriptor = await Testbed.blocking { Self.connectTo(port) }
                if await Testbed.blocking({ Self.exchange(descriptor) }).hasPrefix("HTTP/1.1 200") {
                    open.append(descriptor)
                } else {
                    refused = true
                    close(descriptor)
                }
            }
            #expect(refused, "a connection beyond the cap is closed")
            #expect(admission.held.connections == 3, "exactly the cap was open: \(admission.held.connections)")
            close(open.removeLast())
            var answered = false
            for _ in 0..<100 where !answered {
                let again = await Testbed.blocking { Self.connectTo(port) }
                answered = await Testbed.blocking { Self.exchange(again) }.hasPrefix("HTTP/1.1 200")
                close(again)
                if !answered { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(answered, "once one closed, a new connection is served")
        }
    }

    /// One source holding its share of idle connections cannot take the others' slots.
    @Test func oneSourceCannotTakeEveryConnectionSlot() async throws {
        try await Self.capped(.init(requests: 8, streams: 8, connections: 8, connectionsPerSource: 2)) { port, _ in
            var open: [Int32] = []
            defer { for descriptor in open { close(descriptor) } }
            var flooded = 0
            for _ in 0..<6 {
                let descriptor = await Testbed.blocking { Self.connectTo(port, from: "127.0.0.77") }
                if await Testbed.blocking({ Self.exchange(descriptor) }).hasPrefix("HTTP/1.1 200") { flooded += 1 }
                open.append(descriptor)
            }
            #expect(flooded == 2, "one source holds at most its share: \(flooded)")
            let other = await Testbed.blocking { Self.connectTo(port, from: "127.0.0.78") }
            open.append(other)
            #expect(await Testbed.blocking { Self.exchange(other) }.hasPrefix("HTTP/1.1 200"), "another source is still served")
        }
    }
}
