import Glibc
import Logging
import NIOCore
import NIOPosix
import Synchronization
import TernEngine
import TernTables

/// What every link of a replicator shares: the tables, the configuration, the horizons, the
/// metrics, the event loops, the status table. Links run on their own threads; this is the
/// state they meet in.
///
/// Thread safety: immutable, or behind a `Mutex`/`Atomic`.
final class ReplicatorCore: Sendable {
    let tables: TableStore
    let configuration: ReplicationConfiguration
    let logger: Logger
    let metrics: ReplicationMetrics
    let horizons: HorizonTracker
    let nonces = NonceCache()
    let group: MultiThreadedEventLoopGroup
    let statuses: Mutex<[RegionID: PeerLinkStatus]>
    let stopped = Atomic<Bool>(false)
    /// The authenticated inbound connection of each peer (a new one replaces the old).
    let inbound = Mutex<[RegionID: InboundConnection]>([:])
    /// Inbound connections still in their handshake (bounded: a flood of unauthenticated
    /// connections cannot pile up threads).
    let handshaking = Atomic<Int>(0)
    static let maxHandshaking = 32
    /// Link, connection and anti-entropy threads still running: `stop` waits for them before it
    /// shuts the event loops down (a thread writing to a channel of a stopped loop is an error).
    let activeThreads = Atomic<Int>(0)

    /// Runs `body` on a thread of its own, counted in `activeThreads`.
    func startThread(_ body: @escaping @Sendable () -> Void) {
        activeThreads.wrappingAdd(1, ordering: .relaxed)
        DetachedThread.start { [self] in
            body()
            activeThreads.wrappingSubtract(1, ordering: .releasing)
        }
    }

    init(tables: TableStore, configuration: ReplicationConfiguration, logger: Logger, metrics: ReplicationMetrics, group: MultiThreadedEventLoopGroup) throws {
        self.tables = tables
        self.configuration = configuration
        self.logger = logger
        self.metrics = metrics
        self.group = group
        horizons = try HorizonTracker(peers: Set(configuration.peers.map(\.region)), tables: tables)
        statuses = Mutex(Dictionary(uniqueKeysWithValues: configuration.peers.map { ($0.region, PeerLinkStatus(peer: $0.region)) }))
    }

    var peerRegions: Set<RegionID> { Set(configuration.peers.map(\.region)) }

    func updateStatus(_ peer: RegionID, _ change: (inout PeerLinkStatus) -> Void) {
        statuses.withLock { statuses in
            if statuses[peer] != nil { change(&statuses[peer]!) }
        }
    }

    /// Logs and counts a refused handshake or link.
    func refused(_ error: ProtocolError, peer: String, remote: String) {
        logger.warning(
            "replication link refused",
            metadata: ["peer": "\(peer)", "remote": "\(remote)", "reason": "\(error.code)", "detail": "\(error.message)"])
        metrics.counter("tern_replication_refusals_total", [("reason", "\(error.code)")]).increment()
    }

    static func randomNonce() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<PeerMessage.nonceBytes).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    /// Monotonic microseconds (the streams' timers).
    static func monotonicMicroseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
    }

    /// Wall-clock microseconds (lag against stamps).
    static func wallMicroseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
    }
}

/// Waits for the next frame of a handshake, or fails: a refusal frame, a closed connection, a
/// timeout.
func awaitHandshakeMessage(_ mailbox: Mailbox<LinkEvent>, pending: inout [Frame], timeout: Duration) throws(ProtocolError) -> PeerMessage {
    let deadline = ContinuousClock.now + timeout
    while pending.isEmpty {
        let remaining = deadline - ContinuousClock.now
        guard remaining > .zero else { throw ProtocolError(.unexpected, "the handshake timed out") }
        for event in mailbox.take(waitingUpTo: remaining) {
            switch event {
            case .frames(let frames): pending += frames
            case .closed(let reason, let error):
                if let error { throw error }
                if pending.isEmpty { throw ProtocolError(.unexpected, "the peer closed the connection during the handshake (\(reason))") }
            }
        }
    }
    let message = try PeerMessage(pending.removeFirst())
    if case .refusal(let refusal) = message { throw ProtocolError(refusal.code, "the peer refused: \(refusal.message)") }
    return message
}

extension ReplicatorCore {
    /// Counts and logs local writes that a concurrent write from `origin` overwrote (last writer
    /// wins), whether the stream or an anti-entropy repair brought it.
    func recordConflicts(_ writes: [OverwrittenWrite], origin: RegionID) {
        metrics.counter("tern_replication_conflicts_overwritten_total", [("peer", origin.name)]).increment(by: writes.count)
        updateStatus(origin) { $0.conflictsOverwritten += writes.count }
        for write in writes {
            logger.debug(
                "a local write was overwritten by a concurrent write (last writer wins)",
                metadata: ["table": "\(write.tableName)", "key": "\(write.key.map { String($0, radix: 16) }.joined())",
                           "local": "\(write.local)", "remote": "\(write.remote)"])
        }
    }
}
