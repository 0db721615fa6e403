import NIOCore

/// Splits a DNS-over-TCP stream into messages (RFC 1035 §4.2.2: a two-byte length, then the message).
/// A length too short for a DNS header ends the connection.
struct DNSStreamFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    struct ShortMessage: Error {}

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self) else { return .needMoreData }
        guard length >= 12 else { throw ShortMessage() }
        guard buffer.readableBytes >= 2 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 2)
        guard let message = buffer.readSlice(length: Int(length)) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(message))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A half-sent message at EOF is dropped: there is no one left to answer.
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }
}

/// Answers DNS messages on one TCP connection; closes it when idle or on a framing error.
final class TCPQueryHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let responder: DNSResponder

    init(pools: DNSPools) {
        responder = DNSResponder(pools: pools)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let query = unwrapInboundIn(data)
        var response = context.channel.allocator.buffer(capacity: 2 + 512)
        response.writeInteger(UInt16(0))
        let written = query.withUnsafeReadableBytes { raw in
            response.writeWithUnsafeMutableBytes(minimumWritableBytes: 65_535) { out in
                responder.respond(to: raw, over: .tcp, into: out)
            }
        }
        guard written > 0 else { return }
        response.setInteger(UInt16(written), at: response.readerIndex)
        context.write(wrapOutboundOut(response), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            context.close(promise: nil)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}
