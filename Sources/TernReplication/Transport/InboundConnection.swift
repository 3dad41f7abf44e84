import Logging
import NIOCore
import Synchronization
import TernEngine
import TernTables

/// One accepted connection on the replication port, on a thread of its own: the listener's
/// handshake, then the dialer's stream (`InboundStream`) and its anti-entropy sessions.
///
/// Nothing a peer sends is applied before it has proven it knows the cluster secret; an
/// unauthenticated, wrong-version, malformed or replayed handshake is refused with a logged
/// reason and the connection closed.
final class InboundConnection: Sendable {
    let core: ReplicatorCore
    let channel: any Channel
    let mailbox = Mailbox<LinkEvent>()
    let remote: String
    private let closed = Atomic<Bool>(false)

    init(core: ReplicatorCore, channel: any Channel) {
        self.core = core
        self.channel = channel
        remote = channel.remoteAddress.map { "\($0)" } ?? "?"
    }

    /// Runs the connection on a new thread (returns at once).
    func start() {
        core.startThread { [self] in run() }
    }

    func close() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        mailbox.wake()
        channel.close(promise: nil)
    }

    private func run() {
        var origin: RegionID?
        do {
            let (hello, pending) = try handshake()
            origin = hello.region
            core.handshaking.wrappingSubtract(1, ordering: .relaxed)
            try serve(hello, pending: pending)
        } catch let error as ProtocolError {
            if origin == nil { core.handshaking.wrappingSubtract(1, ordering: .relaxed) }
            if !closed.load(ordering: .acquiring) {
                core.refused(error, peer: origin?.name ?? "unauthenticated", remote: remote)
                channel.writeFrames([.refusal(error)])
            }
        } catch {
            if origin == nil { core.handshaking.wrappingSubtract(1, ordering: .relaxed) }
            core.logger.error("replication link failed", metadata: ["peer": "\(origin?.name ?? "?")", "error": "\(error)"])
            channel.writeFrames([.refusal(ProtocolError(.unavailable, "the receiving node failed: \(error)"))])
        }
        if let origin {
            let wasStream = core.inbound.withLock { inbound in
                guard inbound[origin] === self else { return false }
                inbound[origin] = nil
                return true
            }
            if wasStream { core.updateStatus(origin) { $0.inboundConnected = false } }
        }
        close()
    }

    /// The listener's handshake; returns the authenticated hello and frames that came after it.
    private func handshake() throws -> (Hello, [Frame]) {
        var pending: [Frame] = []
        let timeout = core.configuration.handshakeTimeout
        guard case .hello(let hello) = try awaitHandshakeMessage(mailbox, pending: &pending, timeout: timeout) else {
            throw ProtocolError(.unexpected, "the first frame is not a hello")
        }
        var listener = ListenerHandshake(
            secret: core.configuration.secret, local: core.configuration.region, incarnation: core.tables.incarnation,
            peers: core.peerRegions, nonce: ReplicatorCore.randomNonce())
        channel.writeFrames([try listener.challenge(hello, replays: core.nonces)])
        guard case .proof(let proof) = try awaitHandshakeMessage(mailbox, pending: &pending, timeout: timeout) else {
            throw ProtocolError(.unexpected, "the frame after the challenge is not a proof")
        }
        return (try listener.verify(proof), pending)
    }

    private func serve(_ hello: Hello, pending: [Frame]) throws {
        if hello.purpose == .antiEntropy { return try serveAntiEntropy(hello, pending: pending) }
        let origin = hello.region
        let previous = core.inbound.withLock { inbound -> InboundConnection? in
            defer { inbound[origin] = self }
            return inbound[origin]
        }
        previous?.close()  // one stream per origin: a reconnect replaces the old connection
        let stream = try InboundStream(
            tables: core.tables, origin: origin, originIncarnation: hello.incarnation, settings: core.configuration.settings,
            horizons: core.horizons)
        channel.writeFrames([stream.welcome])
        core.updateStatus(origin) { $0.inboundConnected = true; $0.appliedThrough = stream.marker.sequence }
        core.logger.info("replication stream from peer", metadata: ["peer": "\(origin)", "remote": "\(remote)", "appliedThrough": "\(stream.marker.sequence)"])
        var frames = pending
        while !closed.load(ordering: .acquiring) && !core.stopped.load(ordering: .relaxed) {
            var messages: [PeerMessage] = []
            for frame in frames {
                let message = try PeerMessage(frame)
                switch message {
                case .changes, .heartbeat:
                    messages.append(message)
                case .refusal(let refusal):
                    core.logger.warning("peer refused", metadata: ["peer": "\(origin)", "reason": "\(refusal)"])
                    return
                default:
                    throw ProtocolError(.unexpected, "a \(frame.type) frame in \(origin)'s stream")
                }
            }
            if !messages.isEmpty { channel.writeFrames(try receive(messages, stream: stream, origin: origin)) }
            frames = []
            for event in mailbox.take(waitingUpTo: .seconds(1)) {
                switch event {
                case .frames(let more): frames += more
                case .closed(_, let error):
                    if let error { throw error }
                    return
                }
            }
        }
    }

    /// An anti-entropy connection: sessions the dialer starts, answered in order.
    private func serveAntiEntropy(_ hello: Hello, pending: [Frame]) throws {
        let repairs = AntiEntropyReceiver(
            tables: core.tables, peer: hello.region, maxFrameBytes: core.configuration.settings.maxFrameBytes,
            onOverwritten: { [core] in core.recordConflicts($0, origin: hello.region) })
        channel.writeFrames([.welcome(Welcome(appliedThrough: .zero, appliedHorizon: core.horizons.appliedHorizon))])
        var frames = pending
        while !closed.load(ordering: .acquiring) && !core.stopped.load(ordering: .relaxed) {
            for frame in frames {
                guard case .antiEntropy(let message) = try PeerMessage(frame) else {
                    throw ProtocolError(.unexpected, "a \(frame.type) frame on an anti-entropy connection")
                }
                channel.writeFrames(try repairs.receive(message))
            }
            frames = []
            for event in mailbox.take(waitingUpTo: .seconds(1)) {
                switch event {
                case .frames(let more): frames += more
                case .closed(_, let error):
                    if let error { throw error }
                    return
                }
            }
        }
    }

    /// Applies frames that arrived together (one sync), records lag, conflicts and outcomes, and
    /// returns the replies; a refusal is sent after the replies to what came before it.
    private func receive(_ messages: [PeerMessage], stream: InboundStream, origin: RegionID) throws -> [PeerMessage] {
        var replies: [PeerMessage] = []
        for (message, outcome) in zip(messages, try stream.receive(messages)) {
            switch outcome {
            case .applied(let reply, let result):
                if result.applied > 0, case .changes(let changes) = message { recordLag(changes, origin: origin) }
                if result.applied > 0 { core.metrics.counter("tern_replication_applied_total", [("peer", origin.name)]).increment(by: result.applied) }
                if !result.overwritten.isEmpty { core.recordConflicts(result.overwritten, origin: origin) }
                for table in result.tableOutcomes {
                    core.logger.info("replicated table metadata", metadata: ["peer": "\(origin)", "outcome": "\(table)"])
                }
                replies.append(reply)
            case .behind(let reply):
                replies.append(reply)
            case .refused(let error):
                channel.writeFrames(replies)
                if error.code == .clockSkew {
                    core.metrics.counter("tern_replication_skew_refusals_total", [("peer", origin.name)]).increment()
                    core.updateStatus(origin) { $0.skewRefusals += 1; $0.lastError = error.message }
                }
                throw error
            }
        }
        core.updateStatus(origin) { $0.appliedThrough = stream.marker.sequence }
        return replies
    }

    private func recordLag(_ message: ChangesMessage, origin: RegionID) {
        let now = ReplicatorCore.wallMicroseconds()
        let timer = core.metrics.lag(origin)
        var last: Int64 = 0
        for change in message.changes {
            guard case .item(let item) = change else { continue }
            last = max(0, now - Int64(item.stamp.time.physicalMicroseconds))
            timer.recordMicroseconds(last)
        }
        core.updateStatus(origin) { $0.lastLagMilliseconds = Double(last) / 1000 }
    }
}
