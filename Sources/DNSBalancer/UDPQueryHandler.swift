import NIOCore

/// Answers DNS over UDP on one event loop. Responses are written as they are made and
/// flushed once per read burst, so NIO sends a burst with one `sendmmsg`.
final class UDPQueryHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let responder: DNSResponder
    private let maxPayload: Int

    init(pools: DNSPools) {
        responder = DNSResponder(pools: pools)
        maxPayload = pools.settings.maxUDPPayload
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let query = unwrapInboundIn(data)
        var response = context.channel.allocator.buffer(capacity: maxPayload)
        let written = query.data.withUnsafeReadableBytes { raw in
            response.writeWithUnsafeMutableBytes(minimumWritableBytes: maxPayload) { out in
                responder.respond(to: raw, over: .udp, into: out)
            }
        }
        guard written > 0 else { return }
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: query.remoteAddress, data: response)), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A failed send to one client (e.g. ICMP unreachable surfacing as ECONNREFUSED) must not stop the socket.
    }
}
