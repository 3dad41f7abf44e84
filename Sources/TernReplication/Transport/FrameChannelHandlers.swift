import NIOCore

/// What a link's thread learns from its connection's event loop.
enum LinkEvent: Sendable {
    /// Frames read from one socket read, in order.
    case frames([Frame])
    /// The connection is gone: why, and the protocol error when the peer's bytes were at fault.
    case closed(String, ProtocolError?)
}

/// Splits the byte stream into frames, all the complete frames of one read handed on as one
/// message (the per-message cost of NIO's pipeline is what limits throughput, not the bytes).
///
/// A malformed frame (length over the limit, bad checksum, unknown version or type) fails the
/// connection with the `ProtocolError`.
struct FrameBatchDecoder: ByteToMessageDecoder {
    typealias InboundOut = [Frame]

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        var frames: [Frame] = []
        while let length = buffer.getInteger(at: buffer.readerIndex, as: UInt32.self) {
            guard Int(length) <= Frame.maxLength else {
                throw ProtocolError.malformed("a frame length of \(length) bytes exceeds the limit of \(Frame.maxLength)")
            }
            guard buffer.readableBytes >= Frame.lengthFieldBytes + Int(length) else { break }
            buffer.moveReaderIndex(forwardBy: Frame.lengthFieldBytes)
            let frame = try buffer.readWithUnsafeReadableBytes { raw -> (Int, Frame) in
                let decoded = Result { () throws(ProtocolError) in try Frame.decode(body: UnsafeRawBufferPointer(rebasing: raw[0..<Int(length)])) }
                return (Int(length), try decoded.get())
            }
            frames.append(frame)
        }
        if !frames.isEmpty { context.fireChannelRead(wrapInboundOut(frames)) }
        return .needMoreData
    }

    func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        _ = try decode(context: context, buffer: &buffer)
        return .needMoreData
    }
}

/// Hands a connection's frames and its end to the link's thread.
final class LinkChannelHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = [Frame]

    let mailbox: Mailbox<LinkEvent>

    init(mailbox: Mailbox<LinkEvent>) {
        self.mailbox = mailbox
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        mailbox.post(.frames(unwrapInboundIn(data)))
    }

    func channelInactive(context: ChannelHandlerContext) {
        mailbox.post(.closed("the connection closed", nil))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        mailbox.post(.closed(error is ProtocolError ? "\(error)" : "connection error: \(error)", error as? ProtocolError))
        context.close(promise: nil)
    }
}

extension Channel {
    /// Writes the frames of `messages` as one buffer (one write, one flush).
    func writeFrames(_ messages: [PeerMessage]) {
        guard !messages.isEmpty else { return }
        var bytes: [UInt8] = []
        for message in messages { message.frame.encode(into: &bytes) }
        writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
    }

    /// Installs the frame decoder and the hand-off to `mailbox`.
    func installLinkHandlers(_ mailbox: Mailbox<LinkEvent>) throws {
        try pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameBatchDecoder()))
        try pipeline.syncOperations.addHandler(LinkChannelHandler(mailbox: mailbox))
    }
}
