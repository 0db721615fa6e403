import AugurModel
import DNSBalancer
import Deadline
import NIOCore
import NIOPosix

/// Resolves a content's name with one real DNS query over UDP to the balancer, as a client
/// would: one socket per lookup (from `source` when given: a client site's own address, which
/// places it in a region; else on loopback when the balancer is there, else on any address, as
/// in a testbed's namespace), the query sent again after a third of the timeout
/// and after two thirds if no answer came (a stub resolver's retries, within one timeout),
/// the answer read with ldns through `StubQuery`.
/// A truncated answer (too large, or slipped by response rate limiting) is asked again over
/// TCP, as stub resolvers do, so a burst of users behind one address is not lost.
public struct Resolver: Sendable {
    public let server: SocketEndpoint
    public let timeout: Duration
    /// How long it waits for an answer before it sends the query again (default: a third of the timeout).
    public let resendEvery: Duration
    /// The address queries are sent from (nil: the system's choice).
    public let source: IPAddress?

    public init(server: SocketEndpoint, source: IPAddress? = nil, timeout: Duration = .seconds(2), resendEvery: Duration? = nil) {
        self.server = server
        self.source = source
        self.timeout = timeout
        self.resendEvery = max(resendEvery ?? timeout / 3, .milliseconds(1))
    }

    /// The answered addresses; throws `WorkloadFailure` for NXDOMAIN, an empty answer or silence.
    public func resolve(_ name: String) async throws(WorkloadFailure) -> [String] {
        let id = UInt16.random(in: 0...UInt16.max)
        let message: [UInt8]
        let remote: SocketAddress
        do {
            message = try StubQuery.message(for: name, id: id)
            remote = try SocketAddress(ipAddress: server.address.description, port: server.port)
        } catch {
            throw .resolution("\(error)")
        }
        let local: String
        if let source {
            local = source.description
        } else {
            local = switch server.address {
            case .v4: server.address.isLoopback ? "127.0.0.1" : "0.0.0.0"
            case .v6: server.address.isLoopback ? "::1" : "::"
            }
        }
        let outcome = await Deadline.race(timeout) {
            let overUDP = await Self.exchange(message, id: id, from: local, to: remote, resendEvery: resendEvery)
            guard case .success(let answer) = overUDP, answer.truncated else { return overUDP }
            return await Self.exchangeOverTCP(message, id: id, from: local, to: remote)
        } ?? .failure(.dnsTimeout)
        let answer = try outcome.get()
        guard answer.rcode != 3 else { throw .nxdomain }
        guard answer.rcode == 0 else { throw .resolution("rcode \(answer.rcode)") }
        guard !answer.addresses.isEmpty else { throw .noAddress }
        return answer.addresses
    }

    /// One query over TCP (RFC 1035 §4.2.2: each message after its two-byte length).
    private static func exchangeOverTCP(_ message: [UInt8], id: UInt16, from local: String, to remote: SocketAddress) async -> Result<StubAnswer, WorkloadFailure> {
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(to: try SocketAddress(ipAddress: local, port: 0)).connect(to: remote) { channel in
                channel.eventLoop.makeCompletedFuture { try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel) }
            }
            return try await channel.executeThenClose { inbound, outbound in
                var framed = ByteBuffer()
                framed.writeInteger(UInt16(message.count))
                framed.writeBytes(message)
                try await outbound.write(framed)
                var received = ByteBuffer()
                for try await chunk in inbound {
                    received.writeImmutableBuffer(chunk)
                    guard let length = received.getInteger(at: received.readerIndex, as: UInt16.self), received.readableBytes >= 2 + Int(length),
                        let bytes = received.getBytes(at: received.readerIndex + 2, length: Int(length))
                    else { continue }
                    do { return .success(try StubQuery.answer(bytes, id: id)) } catch { return .failure(.resolution("\(error)")) }
                }
                return .failure(.resolution("the TCP connection closed before the answer"))
            }
        } catch {
            return .failure(.resolution("\(error)"))
        }
    }

    private static func exchange(
        _ message: [UInt8], id: UInt16, from local: String, to remote: SocketAddress, resendEvery: Duration
    ) async -> Result<StubAnswer, WorkloadFailure> {
        do {
            let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .bind(host: local, port: 0) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(wrappingChannelSynchronously: channel)
                    }
                }
            return try await channel.executeThenClose { inbound, outbound in
                try await withThrowingTaskGroup(of: StubAnswer?.self) { group in
                    // Sent again every `resendEvery` until answered, as a stub resolver retries:
                    // a datagram lost in a burst costs a resend, not the lookup.
                    group.addTask {
                        while true {
                            try await outbound.write(AddressedEnvelope(remoteAddress: remote, data: ByteBuffer(bytes: message)))
                            try await Task.sleep(for: resendEvery)
                        }
                    }
                    group.addTask {
                        for try await envelope in inbound {
                            if let answer = try? StubQuery.answer(Array(buffer: envelope.data), id: id) { return answer }
                        }
                        return nil
                    }
                    // The first to end is the reader: an answer, or the socket closed without one.
                    let answer = try await group.next() ?? nil
                    group.cancelAll()
                    return answer.map { .success($0) } ?? .failure(.dnsTimeout)
                }
            }
        } catch {
            return .failure(.resolution("\(error)"))
        }
    }
}
