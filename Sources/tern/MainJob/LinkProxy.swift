import NIOCore
import NIOPosix
import Synchronization

/// A TCP proxy in front of one replica's peer port, for the main job: it forwards bytes both
/// ways and disrupts them on purpose — drops a connection or delays a chunk with a given
/// probability (the seed's 1 % network failures), or cuts everything (a partition) until healed.
///
/// Thread safety: the disruption settings are atomics/mutex; NIO owns the channels.
final class LinkProxy: Sendable {
    struct Disruption: Sendable {
        /// Per chunk forwarded: close both connections with this probability.
        var dropProbability = 0.0
        /// Per chunk forwarded: hold it back this long with this probability.
        var delayProbability = 0.0
        var delay: TimeAmount = .milliseconds(50)
    }

    let name: String
    private let group: EventLoopGroup
    private let upstreamHost: String
    private let upstreamPort: Atomic<Int>
    private let settings = Mutex(Disruption())
    private let partitioned = Atomic<Bool>(false)
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])
    private let server = Mutex<(any Channel)?>(nil)
    /// Connections dropped and chunks delayed on purpose.
    let drops = Atomic<Int>(0)
    let delays = Atomic<Int>(0)
    let chunks = Atomic<Int>(0)

    init(name: String, group: EventLoopGroup, upstreamHost: String = "127.0.0.1", upstreamPort: Int) {
        self.name = name
        self.group = group
        self.upstreamHost = upstreamHost
        self.upstreamPort = Atomic(upstreamPort)
    }

    /// Starts listening on a free loopback port; returns it.
    func start() async throws -> Int {
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelInitializer { [self] inbound in accept(inbound) }
            .bind(host: "127.0.0.1", port: 0).get()
        server.withLock { $0 = channel }
        return channel.localAddress?.port ?? 0
    }

    func stop() async {
        if let channel = server.withLock({ $0.take() }) { try? await channel.close() }
        closeAll()
    }

    /// Where connections go (set once the proxied listener knows its port).
    func setUpstreamPort(_ port: Int) { upstreamPort.store(port, ordering: .relaxed) }

    var disruption: Disruption {
        get { settings.withLock { $0 } }
        set { settings.withLock { $0 = newValue } }
    }

    /// Cuts the link (existing connections closed, new ones refused) or heals it.
    func setPartitioned(_ value: Bool) {
        partitioned.store(value, ordering: .relaxed)
        if value { closeAll() }
    }

    var isPartitioned: Bool { partitioned.load(ordering: .relaxed) }

    private func closeAll() {
        for channel in channels.withLock({ Array($0.values) }) { channel.close(promise: nil) }
    }

    private func track(_ channel: any Channel) {
        let id = ObjectIdentifier(channel)
        channels.withLock { $0[id] = channel }
        channel.closeFuture.whenComplete { [self] _ in _ = channels.withLock { $0.removeValue(forKey: id) } }
    }

    private func accept(_ inbound: any Channel) -> EventLoopFuture<Void> {
        guard !isPartitioned else { return inbound.close() }
        track(inbound)
        return ClientBootstrap(group: inbound.eventLoop)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .connect(host: upstreamHost, port: upstreamPort.load(ordering: .relaxed))
            .flatMap { [self] outbound in
                track(outbound)
                // The inbound side reads nothing until its peer exists; then it reads as usual.
                return inbound.pipeline.addHandler(Forward(proxy: self, peer: outbound)).flatMap {
                    outbound.pipeline.addHandler(Forward(proxy: self, peer: inbound))
                }.flatMap {
                    inbound.setOption(.autoRead, value: true)
                }
            }
            .flatMapError { _ in inbound.close() }
    }

    /// Forwards what one side reads to the other, disrupting as configured.
    private final class Forward: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = ByteBuffer
        let proxy: LinkProxy
        let peer: any Channel
        /// A delayed chunk holds back the ones after it (TCP never reorders a stream).
        private var heldUntil = NIODeadline.uptimeNanoseconds(0)

        init(proxy: LinkProxy, peer: any Channel) {
            self.proxy = proxy
            self.peer = peer
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            proxy.chunks.wrappingAdd(1, ordering: .relaxed)
            let settings = proxy.disruption
            if proxy.isPartitioned || Double.random(in: 0..<1) < settings.dropProbability {
                if !proxy.isPartitioned { proxy.drops.wrappingAdd(1, ordering: .relaxed) }
                context.close(promise: nil)
                peer.close(promise: nil)
                return
            }
            let peer = self.peer
            let now = NIODeadline.now()
            var sendAt = max(now, heldUntil)
            if Double.random(in: 0..<1) < settings.delayProbability {
                proxy.delays.wrappingAdd(1, ordering: .relaxed)
                sendAt = max(sendAt, now + settings.delay)
            }
            heldUntil = sendAt
            if sendAt <= now {
                peer.writeAndFlush(buffer, promise: nil)
            } else {
                // Scheduled on this channel's loop in order of `sendAt`, so the order holds.
                context.eventLoop.scheduleTask(deadline: sendAt) { peer.writeAndFlush(buffer, promise: nil) }
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            peer.close(promise: nil)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
