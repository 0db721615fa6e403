import AugurModel
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

/// The DNS balancer's sockets: for every listen address, one UDP socket per worker
/// (SO_REUSEPORT lets the kernel spread queries across them, each on its own event loop,
/// reading with `recvmmsg`) and one TCP listener.
public final class DNSServer: Sendable {
    /// The addresses actually bound (a requested port 0 becomes a real port).
    public let endpoints: [SocketEndpoint]
    private let channels: [any Channel]
    private let group: MultiThreadedEventLoopGroup

    private init(endpoints: [SocketEndpoint], channels: [any Channel], group: MultiThreadedEventLoopGroup) {
        self.endpoints = endpoints
        self.channels = channels
        self.group = group
    }

    /// Binds every listen address and starts answering.
    public static func start(pools: DNSPools, listen: [SocketEndpoint], workers: Int, tcpIdleTimeout: TimeAmount = .seconds(10)) async throws -> DNSServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, workers))
        var channels: [any Channel] = []
        var endpoints: [SocketEndpoint] = []
        do {
            for requested in listen {
                var port = requested.port
                for (index, loop) in group.makeIterator().enumerated() {
                    let channel = try await bindUDP(pools: pools, host: requested.address.description, port: port, on: loop, endpoint: requested)
                    channels.append(channel)
                    if index == 0, let bound = channel.localAddress?.port { port = bound }
                }
                channels.append(try await bindTCP(pools: pools, host: requested.address.description, port: port, group: group, idle: tcpIdleTimeout, endpoint: requested))
                endpoints.append(SocketEndpoint(address: requested.address, port: port))
            }
        } catch {
            for channel in channels { try? await channel.close() }
            try? await group.shutdownGracefully()
            throw error
        }
        return DNSServer(endpoints: endpoints, channels: channels, group: group)
    }

    /// Stops answering and releases the sockets and threads.
    public func stop() async {
        for channel in channels { try? await channel.close() }
        try? await group.shutdownGracefully()
    }

    private static func bindUDP(pools: DNSPools, host: String, port: Int, on loop: any EventLoop, endpoint: SocketEndpoint) async throws -> any Channel {
        do {
            return try await DatagramBootstrap(group: loop)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelOption(.socketOption(NIOBSDSocket.Option(rawValue: SO_REUSEPORT)), value: 1)
                .channelOption(.datagramVectorReadMessageCount, value: 64)
                .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 64 * 2_048))
                .channelOption(.maxMessagesPerRead, value: 4)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(UDPQueryHandler(pools: pools))
                    }
                }
                .bind(host: host, port: port)
                .get()
        } catch {
            throw DNSServerError(endpoint: "udp \(endpoint)", reason: "\(error)")
        }
    }

    private static func bindTCP(pools: DNSPools, host: String, port: Int, group: MultiThreadedEventLoopGroup, idle: TimeAmount, endpoint: SocketEndpoint) async throws -> any Channel {
        do {
            return try await ServerBootstrap(group: group)
                .serverChannelOption(.backlog, value: 256)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .childChannelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let sync = channel.pipeline.syncOperations
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
    private let logger: Logger

    public init(pools: DNSPools, listen: [SocketEndpoint], workers: Int, logger: Logger) {
        self.pools = pools
        self.listen = listen
        self.workers = workers
        self.logger = logger
    }

    public func run() async throws {
        let server = try await DNSServer.start(pools: pools, listen: listen, workers: workers)
        logger.info("DNS balancer answering", metadata: [
            "dns.zone": "\(pools.settings.zone)",
            "dns.listen": "\(server.endpoints.map(\.description).joined(separator: ","))",
            "dns.workers": "\(workers)",
        ])
        try? await gracefulShutdown()
        await server.stop()
        logger.info("DNS balancer stopped")
    }
}
