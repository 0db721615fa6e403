import AugurModel
import ConnectionCap
#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// Why the DNS server could not start.
public struct DNSServerError: Error, CustomStringConvertible {
    public let endpoint: String
    public let reason: String

    public var description: String { "cannot serve DNS on \(endpoint): \(reason)" }
}

/// How UDP is read and written.
public enum UDPIO: String, Sendable, CaseIterable {
    /// A thread per socket with recvmmsg/sendmmsg (Linux): the fastest path.
    case batch
    /// NIO datagram channels, one event loop per socket: portable.
    case nio
}

/// The DNS balancer's sockets: for every listen address, one TCP listener on NIO and one UDP
/// socket per worker (SO_REUSEPORT lets the kernel spread queries across them).
/// The TCP listener is bound first and without SO_REUSEPORT: it is the port's lock. Another
/// server already on the port makes the start fail instead of silently sharing the UDP
/// queries, and a requested port 0 becomes a port no live server holds.
public final class DNSServer: Sendable {
    /// The addresses actually bound (a requested port 0 becomes a real port).
    public let endpoints: [SocketEndpoint]
    private let tcpChannels: [any Channel]
    private let udpChannels: [any Channel]
    private let listeners: [UDPBatchListener]
    private let group: MultiThreadedEventLoopGroup

    private init(endpoints: [SocketEndpoint], tcpChannels: [any Channel], udpChannels: [any Channel], listeners: [UDPBatchListener], group: MultiThreadedEventLoopGroup) {
        self.endpoints = endpoints
        self.tcpChannels = tcpChannels
        self.udpChannels = udpChannels
        self.listeners = listeners
        self.group = group
    }

    /// Binds every listen address and starts answering.
    /// UDP answers are rate-limited per `rateLimit` (see `DNSSettings.RateLimit`); TCP is
    /// never rate-limited, but at most `tcpConnections` are open at once,
    /// `tcpConnectionsPerSource` (default a quarter) from one address (more are closed on
    /// accept), each closes after `tcpIdleTimeout` without a query, and one whose unsent
    /// answers pass 64 KB is not read until they drain (so a peer that does not read goes idle).
    public static func start(
        pools: DNSPools, listen: [SocketEndpoint], workers: Int, udpIO: UDPIO = .batch, rateLimit: DNSSettings.RateLimit = .off,
        tcpConnections: Int = 512, tcpConnectionsPerSource: Int? = nil, tcpIdleTimeout: TimeAmount = .seconds(10), logger: Logger = Logger(label: "augur.dns")
    ) async throws -> DNSServer {
        let workers = max(1, workers)
        let limiter = rateLimit.isOn ? ResponseRateLimiter(rateLimit) : nil
        let tcpCap = ConnectionCap(limit: max(1, tcpConnections), perSource: tcpConnectionsPerSource ?? max(1, tcpConnections / 4))
        let group = MultiThreadedEventLoopGroup(numberOfThreads: udpIO == .nio ? workers : 1)
        var bound: [BoundAddress] = []
        do {
            for requested in listen {
                // Port 0: TCP picks a free port and UDP takes the same number, which a UDP
                // socket elsewhere may hold; then another port is picked (a few times).
                for attempt in 1... {
                    var address = BoundAddress()
                    do {
                        let tcp = try await bindTCP(
                            pools: pools, host: requested.address.description, port: requested.port, group: group, idle: tcpIdleTimeout, cap: tcpCap, endpoint: requested)
                        address.tcp = tcp
                        let port = tcp.localAddress?.port ?? requested.port
                        for _ in 0..<workers {
                            switch udpIO {
                            case .batch:
                                let listener = try UDPBatchListener(endpoint: requested, port: port, replySize: pools.settings.maxUDPPayload)
                                address.listeners.append(listener)
                                listener.start(pools: pools, limiter: limiter, logger: logger)
                            case .nio:
                                address.udp.append(
                                    try await bindUDP(pools: pools, limiter: limiter, host: requested.address.description, port: port, on: group.next(), endpoint: requested))
                            }
                        }
                        address.endpoint = SocketEndpoint(address: requested.address, port: port)
                        bound.append(address)
                        break
                    } catch where requested.port == 0 && attempt < 8 {
                        await address.close()
                    } catch {
                        await address.close()
                        throw error
                    }
                }
            }
        } catch {
            await DNSServer(bound, group: group).stop()
            throw error
        }
        return DNSServer(bound, group: group)
    }

    private convenience init(_ bound: [BoundAddress], group: MultiThreadedEventLoopGroup) {
        self.init(
            endpoints: bound.compactMap(\.endpoint), tcpChannels: bound.compactMap(\.tcp), udpChannels: bound.flatMap(\.udp), listeners: bound.flatMap(\.listeners),
            group: group)
    }

    /// The sockets one listen address got: TCP and each worker's UDP.
    private struct BoundAddress {
        var tcp: (any Channel)?
        var udp: [any Channel] = []
        var listeners: [UDPBatchListener] = []
        var endpoint: SocketEndpoint?

        /// Closes what one attempt got, UDP before TCP (as `stop`), so another can be tried.
        func close() async {
            for channel in udp { try? await channel.close() }
            for listener in listeners { await listener.stop() }
            try? await tcp?.close()
        }
    }

    /// Stops answering and releases the sockets and threads; the UDP sockets are closed
    /// before the TCP listeners, so the port stays locked until none of them is left.
    public func stop() async {
        for channel in udpChannels { try? await channel.close() }
        for listener in listeners { await listener.stop() }
        for channel in tcpChannels { try? await channel.close() }
        try? await group.shutdownGracefully()
    }

    private static func bindUDP(
        pools: DNSPools, limiter: ResponseRateLimiter?, host: String, port: Int, on loop: any EventLoop, endpoint: SocketEndpoint
    ) async throws -> any Channel {
        do {
            return try await DatagramBootstrap(group: loop)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelOption(.socketOption(NIOBSDSocket.Option(rawValue: SO_REUSEPORT)), value: 1)
                .channelOption(.datagramVectorReadMessageCount, value: 64)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 64 * 2_048))
                .channelOption(.maxMessagesPerRead, value: 4)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(UDPQueryHandler(pools: pools, limiter: limiter))
                    }
                }
                .bind(host: host, port: port)
                .get()
        } catch {
            throw DNSServerError(endpoint: "udp \(endpoint)", reason: "\(error)")
        }
    }

    private static func bindTCP(
        pools: DNSPools, host: String, port: Int, group: MultiThreadedEventLoopGroup, idle: TimeAmount, cap: ConnectionCap, endpoint: SocketEndpoint
    ) async throws -> any Channel {
        do {
            return try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelOption(.writeBufferWaterMark, value: TCPQueryHandler.waterMark)
                // The kernel's share of unsent answers is small too: a peer that does not read
                // stops being read after about 100 KB of answers, not after megabytes.
                .childChannelOption(.socketOption(.so_sndbuf), value: TCPQueryHandler.kernelSendBuffer)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
                        try sync.addHandler(cap.handler())
                        try sync.addHandler(IdleStateHandler(readTimeout: idle))
                        try sync.addHandler(ByteToMessageHandler(DNSStreamFrameDecoder()))
                        try sync.addHandler(TCPQueryHandler(pools: pools))
                    }
                }
                .bind(host: host, port: port)
                .get()
        } catch {
            throw DNSServerError(endpoint: "tcp \(endpoint)", reason: "\(error)")
        }
    }
}

/// Runs a `DNSServer` as a service: binds on start, closes on graceful shutdown.
public struct DNSService: Service {
    private let pools: DNSPools
    private let listen: [SocketEndpoint]
    private let workers: Int
    private let udpIO: UDPIO
    private let rateLimit: DNSSettings.RateLimit
    private let tcpConnections: Int
    private let logger: Logger

    public init(
        pools: DNSPools, listen: [SocketEndpoint], workers: Int, udpIO: UDPIO, rateLimit: DNSSettings.RateLimit, tcpConnections: Int = 512, logger: Logger
    ) {
        self.pools = pools
        self.listen = listen
        self.workers = workers
        self.udpIO = udpIO
        self.rateLimit = rateLimit
        self.tcpConnections = tcpConnections
        self.logger = logger
    }

    public func run() async throws {
        let server = try await DNSServer.start(
            pools: pools, listen: listen, workers: workers, udpIO: udpIO, rateLimit: rateLimit, tcpConnections: tcpConnections, logger: logger)
        logger.info("DNS balancer answering", metadata: [
            "dns.zone": "\(pools.settings.zone)",
            "dns.listen": "\(server.endpoints.map(\.description).joined(separator: ","))",
            "dns.workers": "\(workers)",
            "dns.udp_io": "\(udpIO.rawValue)",
            "dns.rrl": "\(rateLimit.isOn ? "\(rateLimit.rate)/s, slip \(rateLimit.slip)" : "off")",
        ])
        try? await gracefulShutdown()
        await server.stop()
        logger.info("DNS balancer stopped")
    }
}
