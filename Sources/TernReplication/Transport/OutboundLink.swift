import Logging
import NIOCore
import NIOPosix
import Synchronization
import TernEngine
import TernTables

/// This region's link to one peer, on a thread of its own: dial, handshake, stream the change
/// feed (`OutboundStream`), and on any failure reconnect with exponential backoff and full
/// jitter, behind a circuit breaker.
final class OutboundLink: Sendable {
    let core: ReplicatorCore
    let endpoint: PeerEndpoint
    let mailbox = Mailbox<LinkEvent>()
    private let channel = Mutex<(any Channel)?>(nil)
    private let finished = Mutex<Bool>(false)

    init(core: ReplicatorCore, endpoint: PeerEndpoint) {
        self.core = core
        self.endpoint = endpoint
    }

    var peer: RegionID { endpoint.region }

    func start() {
        DetachedThread.start { [self] in
            run()
            finished.withLock { $0 = true }
        }
    }

    /// Stops the link (the thread ends within a poll interval).
    func stop() {
        mailbox.wake()
        channel.withLock { $0 }?.close(promise: nil)
    }

    var isFinished: Bool { finished.withLock { $0 } }

    private func run() {
        var backoff = Backoff(base: core.configuration.backoffBase, cap: core.configuration.backoffCap)
        var circuit = CircuitBreaker(failureThreshold: core.configuration.circuitFailureThreshold, openDuration: core.configuration.circuitOpenDuration)
        var random = SystemRandomNumberGenerator()
        var sessions = 0
        while !core.stopped.load(ordering: .acquiring) {
            let now = ContinuousClock.now
            guard circuit.allowsAttempt(now: now) else {
                core.updateStatus(peer) { $0.state = .circuitOpen; $0.circuit = "\(circuit.state)" }
                _ = mailbox.take(waitingUpTo: (circuit.reopensAt ?? now) - now)
                continue
            }
            core.updateStatus(peer) { $0.state = .connecting; $0.circuit = "\(circuit.state)" }
            var connected = false
            do {
                try session(onConnected: {
                    connected = true
                    circuit.recordSuccess()
                    backoff.reset()
                    sessions += 1
                    if sessions > 1 { core.metrics.counter("tern_replication_reconnects_total", [("peer", peer.name)]).increment() }
                    core.updateStatus(peer) { $0.state = .connected; $0.circuit = "closed"; $0.reconnects = sessions - 1; $0.lastError = nil }
                })
            } catch {
                if !core.stopped.load(ordering: .acquiring) { report(error) }
            }
            channel.withLock { $0 = nil }
            core.metrics.gauge("tern_replication_connected", [("peer", peer.name), ("direction", "outbound")]).record(0)
            if core.stopped.load(ordering: .acquiring) { break }
            if !connected { circuit.recordFailure(now: .now) }
            core.metrics.gauge("tern_replication_circuit_state", [("peer", peer.name)]).record(circuit.state.level)
            let delay = backoff.nextDelay(using: &random)
            core.updateStatus(peer) { $0.state = circuit.reopensAt == nil ? .backingOff : .circuitOpen; $0.circuit = "\(circuit.state)" }
            _ = mailbox.take(waitingUpTo: delay)
        }
        core.updateStatus(peer) { $0.state = .stopped }
    }

    private func report(_ error: any Error) {
        if let error = error as? ProtocolError {
            core.refused(error, peer: peer.name, remote: "\(endpoint.host):\(endpoint.port)")
            if error.code == .clockSkew {
                core.metrics.counter("tern_replication_skew_refusals_total", [("peer", peer.name)]).increment()
            }
        } else {
            core.logger.notice("replication link to peer failed", metadata: ["peer": "\(peer)", "error": "\(error)"])
        }
        core.updateStatus(peer) { $0.lastError = "\(error)" }
    }

    /// One connection: dial, handshake, stream until it fails or the replicator stops.
    private func session(onConnected: () -> Void) throws {
        let mailbox = self.mailbox
        _ = mailbox.take(waitingUpTo: .zero)  // events of an earlier connection
        let connection = try ClientBootstrap(group: core.group)
            .connectTimeout(.seconds(2))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.installLinkHandlers(mailbox) }
            }
            .connect(host: endpoint.host, port: endpoint.port).wait()
        channel.withLock { $0 = connection }
        defer { connection.close(promise: nil) }
        var pending: [Frame] = []
        let dialer = DialerHandshake(
            secret: core.configuration.secret, local: core.configuration.region, incarnation: core.tables.incarnation,
            expected: peer, nonce: ReplicatorCore.randomNonce())
        connection.writeFrames([dialer.hello])
        let timeout = core.configuration.handshakeTimeout
        let welcome: Welcome
        do {
            guard case .challenge(let challenge) = try awaitHandshakeMessage(mailbox, pending: &pending, timeout: timeout) else {
                throw ProtocolError(.unexpected, "the listener's first frame is not a challenge")
            }
            connection.writeFrames([try dialer.answer(challenge)])
            guard case .welcome(let answer) = try awaitHandshakeMessage(mailbox, pending: &pending, timeout: timeout) else {
                throw ProtocolError(.unexpected, "the listener's frame after the proof is not a welcome")
            }
            welcome = answer
        } catch let error as ProtocolError {
            // Tell the listener why (a wrong secret shows in both nodes' logs), then drop.
            if !error.message.hasPrefix("the peer refused") { connection.writeFrames([.refusal(error)]) }
            throw error
        }
        let stream = try OutboundStream(tables: core.tables, peer: peer, settings: core.configuration.settings, horizons: core.horizons)
        try stream.start(welcome, now: ReplicatorCore.monotonicMicroseconds())
        onConnected()
        core.metrics.gauge("tern_replication_connected", [("peer", peer.name), ("direction", "outbound")]).record(1)
        core.logger.info("replicating to peer", metadata: ["peer": "\(peer)", "from": "\(stream.sentThrough)"])
        try pump(stream, connection: connection, pending: pending)
    }

    /// Ships the feed and handles the peer's answers until the connection ends.
    private func pump(_ stream: OutboundStream, connection: any Channel, pending: [Frame]) throws {
        var frames = pending
        var lastSync = Int64.min / 2
        var lastActivity = Int64.min / 2
        let syncInterval = core.configuration.feedSyncInterval.microseconds
        while !core.stopped.load(ordering: .acquiring) {
            var now = ReplicatorCore.monotonicMicroseconds()
            for frame in frames {
                let message = try PeerMessage(frame)
                switch message {
                case .ack, .nack: try stream.receive(message, now: now)
                case .refusal(let refusal): throw ProtocolError(refusal.code, "\(peer) refused: \(refusal.message)")
                case .antiEntropy: break
                default: throw ProtocolError(.unexpected, "a \(frame.type) frame from the receiving side")
                }
            }
            frames = []
            if now - lastSync >= syncInterval {
                // Buffered writes reach the feed only once synced (a no-op when nothing is unsynced).
                try core.tables.store.sync()
                lastSync = now
            }
            now = ReplicatorCore.monotonicMicroseconds()
            let out = try stream.poll(now: now)
            if out.contains(where: { if case .changes = $0 { true } else { false } }) { lastActivity = now }
            connection.writeFrames(out)
            publish(stream)
            // Busy links look again within a millisecond; idle ones every 10 ms (a write waits at
            // most that long to leave), and acknowledgements wake the thread at once.
            let wait: Duration = now - lastActivity < 100_000 ? .milliseconds(1) : .milliseconds(10)
            for event in mailbox.take(waitingUpTo: wait) {
                switch event {
                case .frames(let more): frames += more
                case .closed(let reason, let error):
                    if let error { throw error }
                    // A peer that refuses says why before it closes.
                    for frame in frames {
                        if case .refusal(let refusal) = try? PeerMessage(frame) {
                            throw ProtocolError(refusal.code, "\(peer) refused: \(refusal.message)")
                        }
                    }
                    throw ConnectionClosed(reason: reason)
                }
            }
        }
        try stream.flushCursor(now: ReplicatorCore.monotonicMicroseconds())
    }

    private func publish(_ stream: OutboundStream) {
        let durable = core.tables.store.durableSequence
        let behind = durable.rawValue > stream.ackedThrough.rawValue ? durable.rawValue - stream.ackedThrough.rawValue : 0
        core.metrics.gauge("tern_replication_behind_operations", [("peer", peer.name)]).record(Int(behind))
        core.metrics.gauge("tern_replication_inflight_bytes", [("peer", peer.name)]).record(stream.inFlightBytes)
        core.updateStatus(peer) { status in
            status.ackedThrough = stream.ackedThrough
            status.behindOperations = behind
            status.inFlightBytes = stream.inFlightBytes
            status.needsResync = stream.needsResync
        }
    }
}

struct ConnectionClosed: Error, CustomStringConvertible {
    var reason: String
    var description: String { "the connection closed: \(reason)" }
}
