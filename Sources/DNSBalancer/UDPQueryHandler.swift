import NIOCore

/// Answers DNS over UDP on one event loop. Responses are written as they are made and
/// flushed once per read burst, so NIO sends a burst with one `sendmmsg`.
final class UDPQueryHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let responder: DNSResponder
    private let maxPayload: Int
    private let limited: Bool

    init(pools: DNSPools, limiter: ResponseRateLimiter?) {
        responder = DNSResponder(pools: pools, limiter: limiter)
        maxPayload = pools.settings.maxUDPPayload
        limited = limiter != nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let query = unwrapInboundIn(data)
        var response = context.channel.allocator.buffer(capacity: maxPayload)
        let (source, second) = limited ? (Self.sourcePrefix(query.remoteAddress), ResponseRateLimiter.currentSecond()) : (0, 0)
        let written = query.data.withUnsafeReadableBytes { raw in
            response.writeWithUnsafeMutableBytes(minimumWritableBytes: maxPayload) { out in
                responder.respond(to: raw, over: .udp, source: source, second: second, into: out, client: ClientAddress(query.remoteAddress))
            }
        }
        guard written > 0 else { return }
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: query.remoteAddress, data: response)), promise: nil)
    }

    private static func sourcePrefix(_ address: SocketAddress) -> UInt64 {
        switch address {
        case .v4(let v4):
            return withUnsafeBytes(of: v4.address.sin_addr) { SourcePrefix.key(ipv4: ($0[0], $0[1], $0[2])) }
        case .v6(let v6):
            return withUnsafeBytes(of: v6.address.sin6_addr) { SourcePrefix.key(ipv6: $0) }
        default:
            return 0
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A failed send to one client (e.g. ICMP unreachable surfacing as ECONNREFUSED) must not stop the socket.
    }
}
