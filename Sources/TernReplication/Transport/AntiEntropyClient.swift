import Logging
import NIOCore
import NIOPosix
import TernEngine
import TernTables

/// Anti-entropy with one peer over a connection of its own (so a long comparison never holds up
/// the change stream): dial, handshake with purpose `antiEntropy`, one session per global table
/// the peer replicates (or those named), close.
enum AntiEntropyClient {
    /// How long to wait for the peer's next frame in a session (it may be walking a large table).
    static let frameTimeout: Duration = .seconds(120)

    static func run(core: ReplicatorCore, endpoint: PeerEndpoint, tableNames: Set<String>?) throws -> [AntiEntropyReport] {
        let mailbox = Mailbox<LinkEvent>()
        let connection = try ClientBootstrap(group: core.group)
            .connectTimeout(.seconds(2))
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.installLinkHandlers(mailbox) }
            }
            .connect(host: endpoint.host, port: endpoint.port).wait()
        defer { connection.close(promise: nil) }
        var pending: [Frame] = []
        let dialer = DialerHandshake(
            secret: core.configuration.secret, local: core.configuration.region, incarnation: core.tables.incarnation,
            expected: endpoint.region, nonce: ReplicatorCore.randomNonce(), purpose: .antiEntropy)
        connection.writeFrames([dialer.hello])
        let timeout = core.configuration.handshakeTimeout
        guard case .challenge(let challenge) = try awaitHandshakeMessage(mailbox, pending: &pending, timeout: timeout) else {
            throw ProtocolError(.unexpected, "the listener's first frame is not a challenge")
        }
        connection.writeFrames([try dialer.answer(challenge)])
        guard case .welcome = try awaitHandshakeMessage(mailbox, pending: &pending, timeout: timeout) else {
            throw ProtocolError(.unexpected, "the listener's frame after the proof is not a welcome")
        }
        var initiator = AntiEntropyInitiator(tables: core.tables, peer: endpoint.region, maxFrameBytes: core.configuration.settings.maxFrameBytes)
        initiator.onOverwritten = { [core] in core.recordConflicts($0, origin: endpoint.region) }
        let names = try core.tables.globalTables()
            .filter { $0.replicas[endpoint.region] != nil && (tableNames?.contains($0.tableName) ?? true) }
            .map(\.tableName).sorted()
        var reports: [AntiEntropyReport] = []
        var generator = SystemRandomNumberGenerator()
        for name in names {
            let report = try initiator.run(
                tableName: name, session: UInt64.random(in: 1...UInt64.max, using: &generator),
                send: { connection.writeFrames($0) },
                receive: { try nextMessages(mailbox, pending: &pending) })
            reports.append(report)
        }
        return reports
    }

    private static func nextMessages(_ mailbox: Mailbox<LinkEvent>, pending: inout [Frame]) throws -> [PeerMessage] {
        let deadline = ContinuousClock.now + frameTimeout
        while pending.isEmpty {
            guard ContinuousClock.now < deadline else { throw ProtocolError(.unexpected, "the peer sent nothing for \(frameTimeout)") }
            for event in mailbox.take(waitingUpTo: .seconds(1)) {
                switch event {
                case .frames(let frames): pending += frames
                case .closed(let reason, let error):
                    if let error { throw error }
                    if pending.isEmpty { throw ConnectionClosed(reason: reason) }
                }
            }
        }
        defer { pending = [] }
        return try pending.map { frame in
            let message = try PeerMessage(frame)
            if case .refusal(let refusal) = message { throw ProtocolError(refusal.code, "the peer refused: \(refusal.message)") }
            return message
        }
    }
}
