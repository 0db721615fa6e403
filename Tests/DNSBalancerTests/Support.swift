import AugurModel
import Foundation
import TestSupport
import Testing
@testable import DNSBalancer

/// A balancer on 127.0.0.1 with a port of its own, for one test.
struct TestBalancer {
    let pools: DNSPools
    let server: DNSServer
    var port: Int { server.endpoints[0].port }

    static let settings = ZoneSettings(zone: "cdn.example.", ttl: 5, maxRecords: 8, maxUDPPayload: 1232, nameservers: [NameserverSpec(label: "ns1", address: [127, 0, 0, 1])])

    /// video1: three nginx and one clickos instance; video5: known but nothing ready;
    /// video6: IPv6 only.
    static let standardContents = [
        ContentPools(content: "video1", flavors: [
            FlavorPool(flavor: "nginx", addresses: [[127, 1, 2, 1], [127, 1, 2, 2], [127, 1, 2, 3]]),
            FlavorPool(flavor: "clickos", addresses: [[127, 1, 1, 1]]),
        ]),
        ContentPools(content: "video5", flavors: [FlavorPool(flavor: "flask", addresses: [])]),
        ContentPools(content: "video6", flavors: [FlavorPool(flavor: "nginx", addresses: [[0xfd] + Array(repeating: 0, count: 14) + [1], [0xfd] + Array(repeating: 0, count: 14) + [2]])]),
    ]

    static func start(
        contents: [ContentPools] = standardContents, settings base: ZoneSettings = Self.settings, maxRecords: Int = 8, maxUDPPayload: Int = 1232, workers: Int = 2, udpIO: UDPIO = .batch, tcpIdle: Int64 = 10,
        rateLimit: DNSSettings.RateLimit = .off, tcpConnections: Int = 512, tcpConnectionsPerSource: Int? = nil
    ) async throws -> TestBalancer {
        var settings = base
        settings.maxRecords = maxRecords
        settings.maxUDPPayload = maxUDPPayload
        let pools = try DNSPools(settings: settings, contents: contents)
        let endpoint = try #require(SocketEndpoint("127.0.0.1:0"))
        let server = try await DNSServer.start(
            pools: pools, listen: [endpoint], workers: workers, udpIO: udpIO, rateLimit: rateLimit, tcpConnections: tcpConnections, tcpConnectionsPerSource: tcpConnectionsPerSource,
            tcpIdleTimeout: .seconds(tcpIdle))
        return TestBalancer(pools: pools, server: server)
    }

    /// `count` nginx addresses 127.2.x.y for content `big`.
    static func bigPool(_ count: Int) -> [ContentPools] {
        [ContentPools(content: "big", flavors: [FlavorPool(flavor: "nginx", addresses: (1...count).map { [127, 2, UInt8($0 / 256), UInt8($0 % 256)] })])]
    }
}

/// Runs a DNS client tool (dig, kdig, drill, dnsperf) and returns what it printed.
enum Tool {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    static func run(_ name: String, _ arguments: [String]) async throws -> String {
        try await Testbed.tool(name, arguments, failOnExit: !(name == "dig" || name == "kdig"))
    }

    /// dig against the test balancer. Up to three tries, as a stub resolver makes: on a
    /// loaded machine one reply in thousands comes after 2 s, and a test of what the answer
    /// holds must not fail on when it came.
    static func dig(_ port: Int, _ arguments: String...) async throws -> String {
        try await run("dig", ["@127.0.0.1", "-p", "\(port)", "+time=2", "+tries=3"] + arguments)
    }

    /// The addresses `dig +short` printed, in order.
    static func digShort(_ port: Int, _ arguments: String...) async throws -> [String] {
        try await run("dig", ["@127.0.0.1", "-p", "\(port)", "+time=2", "+tries=3", "+short"] + arguments)
            .split(separator: "\n").map(String.init).filter { !$0.hasPrefix(";") }
    }
}

/// Hand-made DNS messages and a minimal reader of answers, to check the wire independently of ldns.
enum Wire {
    static func query(_ name: String, type: UInt16 = 1, id: UInt16 = 0x1234, edns: UInt16? = nil) -> [UInt8] {
        var out: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, edns == nil ? 0 : 1]
        for label in name.split(separator: ".") {
            out.append(UInt8(label.utf8.count))
            out += Array(label.utf8)
        }
        out += [0, UInt8(type >> 8), UInt8(type & 0xFF), 0, 1]
        if let edns { out += [0, 0, 41, UInt8(edns >> 8), UInt8(edns & 0xFF), 0, 0, 0, 0, 0, 0] }
        return out
    }

    struct Response {
        let id: UInt16
        let flags: UInt16
        var rcode: Int { Int(flags & 0x0F) }
        var truncated: Bool { flags & 0x0200 != 0 }
        let counts: [Int]
        /// The address bytes of every A/AAAA record in the answer section, in order.
        let addresses: [[UInt8]]
    }

    static func parse(_ bytes: [UInt8]) -> Response? {
        guard bytes.count >= 12 else { return nil }
        func u16(_ at: Int) -> Int? { at + 1 < bytes.count ? Int(bytes[at]) << 8 | Int(bytes[at + 1]) : nil }
        func skipName(_ start: Int) -> Int? {
            var at = start
            while at < bytes.count {
                let length = Int(bytes[at])
                if length == 0 { return at + 1 }
                if length & 0xC0 == 0xC0 { return at + 2 }
                at += length + 1
            }
            return nil
        }
        let counts = (0..<4).compactMap { u16(4 + 2 * $0) }
        guard counts.count == 4, let flags = u16(2), let id = u16(0) else { return nil }
        var at = 12
        for _ in 0..<counts[0] {
            guard let end = skipName(at) else { return nil }
            at = end + 4
        }
        var addresses: [[UInt8]] = []
        for _ in 0..<counts[1] {
            guard let end = skipName(at), let type = u16(end), let length = u16(end + 8), end + 10 + length <= bytes.count else { return nil }
            if type == 1 || type == 28 { addresses.append(Array(bytes[(end + 10)..<(end + 10 + length)])) }
            at = end + 10 + length
        }
        return Response(id: UInt16(id), flags: UInt16(flags), counts: counts, addresses: addresses)
    }
}

/// Blocking sockets connected to 127.0.0.1, for sending exact bytes and reading exact replies.
enum LoopbackSocket {
    static func connect(type: Int32, port: Int, timeoutMilliseconds: Int, receiveBuffer: Int? = nil) throws -> Int32 {
        let socket = Glibc.socket(AF_INET, type, 0)
        guard socket >= 0 else { throw Tool.Failure(description: "socket() failed") }
        if var size = receiveBuffer.map(Int32.init) { setsockopt(socket, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) }
        var timeout = timeval(tv_sec: timeoutMilliseconds / 1_000, tv_usec: (timeoutMilliseconds % 1_000) * 1_000)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr = in_addr(s_addr: UInt32(0x7F00_0001).bigEndian)
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard status == 0 else {
            close(socket)
            throw Tool.Failure(description: "connect() to 127.0.0.1:\(port) failed")
        }
        return socket
    }

    enum Received: Equatable {
        case bytes([UInt8])
        /// The peer closed the connection (recv returned 0).
        case closed
        /// The peer reset the connection (it closed with our query unread).
        case reset
        /// Nothing arrived before the receive timeout.
        case timedOut

        var bytes: [UInt8]? {
            if case .bytes(let bytes) = self { return bytes }
            return nil
        }
    }

    static func receive(_ socket: Int32) -> Received {
        var buffer = [UInt8](repeating: 0, count: 65_537)
        let received = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        if received > 0 { return .bytes(Array(buffer[0..<received])) }
        if received == 0 { return .closed }
        return errno == ECONNRESET ? .reset : .timedOut
    }

    static func send(_ socket: Int32, _ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }
}

/// A UDP client: one query out, one reply in.
final class UDPClient {
    private let socket: Int32

    init(port: Int, timeoutMilliseconds: Int = 2_000) throws {
        socket = try LoopbackSocket.connect(type: Int32(SOCK_DGRAM.rawValue), port: port, timeoutMilliseconds: timeoutMilliseconds)
    }

    deinit { close(socket) }

    /// Sends `bytes` and returns the reply, or nil if none came within the timeout.
    func exchange(_ bytes: [UInt8]) -> [UInt8]? {
        LoopbackSocket.send(socket, bytes)
        return LoopbackSocket.receive(socket).bytes
    }
}

/// A TCP connection whose bytes the test writes by hand.
/// (`@unchecked Sendable`: a test uses it from one task at a time, handing it to a blocking call.)
final class TCPConnection: @unchecked Sendable {
    private let socket: Int32

    /// `receiveBuffer` sets SO_RCVBUF before connecting (a small one fills at once).
    init(port: Int, receiveBuffer: Int? = nil) throws {
        socket = try LoopbackSocket.connect(type: Int32(SOCK_STREAM.rawValue), port: port, timeoutMilliseconds: 2_000, receiveBuffer: receiveBuffer)
    }

    deinit { close(socket) }

    func send(_ bytes: [UInt8]) {
        LoopbackSocket.send(socket, bytes)
    }

    func receive() -> LoopbackSocket.Received {
        LoopbackSocket.receive(socket)
    }

    /// What a flood came to: the bytes that went out, and whether the peer closed the
    /// connection before the time was up.
    struct Flood {
        var sent = 0
        var closedByPeer = false
    }

    /// Sends `bytes` over and over (up to `limit` bytes) for `seconds`, as fast as the peer
    /// takes them, without ever reading.
    func flood(_ bytes: [UInt8], limit: Int = .max, seconds: Double) async -> Flood {
        let deadline = ContinuousClock.now + .milliseconds(Int64(seconds * 1_000))
        var flood = Flood()
        while flood.sent < limit, ContinuousClock.now < deadline {
            let offset = flood.sent % bytes.count
            let length = min(65_536, bytes.count - offset, limit - flood.sent)
            let count = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress.map { $0 + offset }, length, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
            if count > 0 {
                flood.sent += count
            } else if count < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                try? await Task.sleep(for: .milliseconds(10))
            } else {
                flood.closedByPeer = true
                break
            }
        }
        return flood
    }

    /// Reads until the peer closes, resets or stays silent past the receive timeout, and says which.
    func drain() -> LoopbackSocket.Received {
        while true {
            let received = LoopbackSocket.receive(socket)
            if received.bytes == nil { return received }
        }
    }
}
