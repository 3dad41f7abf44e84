#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOHTTP1
import Synchronization
import TernWire

/// One connection's HTTP/1.1 handler: gathers a request (head, body up to the limit, end),
/// hands it to the engine pool, writes the response, and keeps the connection alive unless the
/// client or a drain says otherwise.
///
/// `HTTPServerPipelineHandler` (in front) holds back a pipelined request until the previous
/// response is written, so this handler sees one request at a time. Everything here runs on the
/// connection's event loop; nothing here blocks.
final class NodeHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        /// Head received; body arriving. `tooLarge` once the body passed the limit (the rest is
        /// read and dropped, so the connection stays usable).
        case receiving(head: HTTPRequestHead, body: ByteBuffer, tooLarge: Bool)
        /// Handed to the engine pool.
        case processing
    }

    private let core: NodeCore
    private var state = State.idle

    init(core: NodeCore) {
        self.core = core
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            core.metrics.inFlight.add(1, ordering: .relaxed)
            let declared = head.headers.first(name: "content-length").flatMap { Int($0) } ?? 0
            state = .receiving(head: head, body: ByteBuffer(), tooLarge: declared > core.configuration.maxBodyBytes)
            // A client that asks first (curl does above 1 KB) gets its go-ahead at once instead
            // of waiting out its own timeout.
            if head.headers.first(name: "expect")?.lowercased() == "100-continue" {
                context.writeAndFlush(
                    wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: .continue))), promise: nil)
            }
        case .body(var part):
            guard case .receiving(let head, var body, let tooLarge) = state else { return }
            if tooLarge { return }
            if body.readableBytes + part.readableBytes > core.configuration.maxBodyBytes {
                state = .receiving(head: head, body: ByteBuffer(), tooLarge: true)
                return
            }
            state = .idle  // drop the reference so the append below does not copy
            body.writeBuffer(&part)
            state = .receiving(head: head, body: body, tooLarge: false)
        case .end:
            guard case .receiving(let head, let body, let tooLarge) = state else { return }
            state = .processing
            if tooLarge {
                let error = WireErrorFactory.bodyTooLarge(limit: core.configuration.maxBodyBytes)
                finish(context: context, head: head, response: .error(error))
                return
            }
            if core.configuration.emptyResponder == .eventLoop && head.method == .POST {
                finish(context: context, head: head, response: NodeResponse.empty)
                return
            }
            dispatch(context: context, request: NodeRequest(head: head, body: body, receivedAt: .now))
        }
    }

    private func dispatch(context: ChannelHandlerContext, request: NodeRequest) {
        let core = self.core
        let future = core.pool(for: request.head).runIfActive(eventLoop: context.eventLoop) { core.process(request) }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        future.whenComplete { result in
            let (handler, context) = bound.value
            let response: NodeResponse
            switch result {
            case .success(let answer): response = answer
            case .failure:
                response = .error(.init(name: "ServiceUnavailable", message: "The node is shutting down", status: 503))
            }
            handler.finish(context: context, head: request.head, response: response)
        }
    }

    private func finish(context: ChannelHandlerContext, head: HTTPRequestHead, response: NodeResponse) {
        defer {
            state = .idle
            core.metrics.inFlight.subtract(1, ordering: .relaxed)
        }
        guard context.channel.isActive else { return }
        let keepAlive = head.isKeepAlive && !core.isDraining
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        headers.add(name: "x-amzn-RequestId", value: RequestID.next())
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: response.status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            written.whenComplete { _ in channel.close(promise: nil) }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Nothing arrived for the idle timeout: a half-open or stalled client. Close it unless a
        // request of its own is still being answered.
        if let idle = event as? IdleStateHandler.IdleStateEvent, idle == .read {
            if case .processing = state { return }
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        // A request cut off mid-body never reaches the pool: it is no longer in flight.
        if case .receiving = state {
            state = .idle
            core.metrics.inFlight.subtract(1, ordering: .relaxed)
        }
        context.fireChannelInactive()
    }
}

enum WireErrorFactory {
    static func bodyTooLarge(limit: Int) -> WireError {
        WireError.validation("Request body exceeds this node's limit of \(limit) bytes")
    }
}

/// Request ids for the `x-amzn-RequestId` header: the process id, the start second and a
/// counter, unique across a machine's nodes and restarts (SDKs log them; DynamoDB sends one with
/// every response).
enum RequestID {
    private static let counter = Atomic<UInt64>(0)
    private static let prefix = "TERN\(String(UInt32(getpid()), radix: 16))-\(String(UInt64(time(nil)), radix: 36))"

    static func next() -> String {
        "\(prefix)-\(String(counter.add(1, ordering: .relaxed).newValue, radix: 16))"
    }
}
