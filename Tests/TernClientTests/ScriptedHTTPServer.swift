import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// An HTTP server on a loopback port that answers each request with the next scripted reply
/// (and the last one after the script runs out), recording every request: what a client's retry
/// loop and signing are tested against.
final class ScriptedHTTPServer: Sendable {
    enum Reply: Sendable {
        /// A response with this status and body (and extra headers).
        case respond(status: Int, body: String, headers: [(String, String)] = [])
        /// No response at all (the connection stays open): a server that hangs.
        case hang
    }

    /// A request as received.
    struct Request: Sendable {
        var method: String
        var uri: String
        var headers: [(String, String)]
        var body: [UInt8]
    }

    private let state: Mutex<(script: [Reply], requests: [Request])>
    private let group: MultiThreadedEventLoopGroup
    private let channel: Mutex<(any Channel)?> = Mutex(nil)

    init(_ script: [Reply]) {
        state = Mutex((script, []))
        group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    }

    /// Listens; returns the endpoint URL.
    func start() async throws -> String {
        let bound = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(server: self))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        channel.withLock { $0 = bound }
        return "http://127.0.0.1:\(bound.localAddress!.port!)"
    }

    func stop() async {
        let bound = channel.withLock { $0 }
        try? await bound?.close()
        try? await group.shutdownGracefully()
    }

    /// Every request received so far.
    var requests: [Request] { state.withLock { $0.requests } }

    fileprivate func next(_ request: Request) -> Reply {
        state.withLock { state in
            state.requests.append(request)
            return state.script.count > 1 ? state.script.removeFirst() : state.script[0]
        }
    }

    private final class Handler: ChannelInboundHandler, @unchecked Sendable {
        // Confined to its channel's event loop.
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let server: ScriptedHTTPServer
        var head: HTTPRequestHead?
        var body: [UInt8] = []

        init(server: ScriptedHTTPServer) { self.server = server }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = []
            case .body(let buffer):
                body += buffer.readableBytesView
            case .end:
                guard let head else { return }
                let request = Request(
                    method: "\(head.method)", uri: head.uri, headers: head.headers.map { ($0.name, $0.value) }, body: body)
                switch server.next(request) {
                case .hang:
                    break
                case .respond(let status, let text, let extra):
                    var headers = HTTPHeaders([("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", "\(text.utf8.count)")])
                    headers.add(contentsOf: extra)
                    headers.add(name: "x-amzn-RequestId", value: "scripted")
                    context.write(wrapOutboundOut(.head(HTTPResponseHead(
                        version: head.version, status: HTTPResponseStatus(statusCode: status), headers: headers))), promise: nil)
                    context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
                    context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                }
            }
        }
    }
}
