import NIOCore
import NIOPosix

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
///
/// A peer that sends queries and does not read the answers cannot make the server hold them:
/// each answer is built in one scratch buffer and queued at its own size, and while the
/// channel is not writable (its unsent answers passed the high water mark) no more is read,
/// so the peer's further queries wait in its own socket. A peer that stops reading is then
/// also a peer the server stops reading from, and the idle timeout closes it.
final class TCPQueryHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Unsent answers past `high` bytes pause reading until they drop under `low`.
    static let waterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 16 << 10, high: 64 << 10)
    /// SO_SNDBUF of each connection (the kernel doubles it).
    static let kernelSendBuffer: SocketOptionValue = 32 << 10

    /// Where answers are built: a TCP message's largest size, one per event loop thread
    /// (a handler runs on its channel's loop only), so idle connections hold none.
    /// (`@unchecked Sendable`: each value is only ever touched by the thread that made it.)
    private final class Scratch: @unchecked Sendable {
        var bytes = [UInt8](repeating: 0, count: 65_535)
    }
    private static let scratch = ThreadSpecificVariable<Scratch>()

    private let responder: DNSResponder
    /// A read the channel asked for while it could not write; issued once it can.
    private var heldRead = false

    init(pools: DNSPools) {
        responder = DNSResponder(pools: pools)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let query = unwrapInboundIn(data)
        let scratch = Self.scratch.currentValue ?? Scratch()
        Self.scratch.currentValue = scratch
        let written = query.withUnsafeReadableBytes { raw in
            scratch.bytes.withUnsafeMutableBytes { out in responder.respond(to: raw, over: .tcp, into: out, client: ClientAddress(context.channel.remoteAddress)) }
        }
        guard written > 0 else { return }
        var response = context.channel.allocator.buffer(capacity: 2 + written)
        response.writeInteger(UInt16(written))
        scratch.bytes.withUnsafeBytes { response.writeBytes(UnsafeRawBufferPointer(rebasing: $0[0..<written])) }
        context.write(wrapOutboundOut(response), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func read(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            context.read()
        } else {
            heldRead = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, heldRead {
            heldRead = false
            context.read()
        }
        context.fireChannelWritabilityChanged()
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
