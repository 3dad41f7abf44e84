import TernEngine
import TernTables

/// The sending end of this region's stream to one peer (one connection): reads the change feed
/// from the peer's cursor, ships the peer's share of it in frames within a window of
/// unacknowledged bytes, advances the durable cursor as the peer acknowledges, resends after a
/// `nack` or a timeout, and sends heartbeats while idle.
///
/// The cursor is a change-feed consumer named `replication:<peer>`, durable in the engine: after
/// a disconnect or a restart the stream resumes from it (the peer ignores what it has).
///
/// Not thread-safe: one connection, one thread at a time.
public final class OutboundStream {
    public let peer: RegionID
    let tables: TableStore
    let settings: ReplicationSettings
    let horizons: HorizonTracker
    let consumer: String
    private var reader: ChangeReader?
    /// The last batch frames have covered, the last the reader has read (batches after
    /// `sentThrough` read so far hold nothing for the peer: the next frame covers them), and the
    /// last the peer acknowledged.
    public private(set) var sentThrough = SequenceNumber.zero
    public private(set) var readThrough = SequenceNumber.zero
    public private(set) var ackedThrough = SequenceNumber.zero
    /// The commit stamp of batch `readThrough`.
    private var readStamp = HybridTimestamp.zero
    /// The cursor as last persisted.
    private var persistedThrough = SequenceNumber.zero
    private var persistedAt: Int64?
    private var inFlight: [(through: SequenceNumber, bytes: Int)] = []
    private var lastProgressAt: Int64 = 0
    private var lastSentAt: Int64?
    /// Set when the peer must be resynchronized by anti-entropy: the stream skipped history.
    public private(set) var needsResync: Bool
    /// Set from a skip until the peer acknowledges past it: frames say they follow a gap.
    private var gapAt: SequenceNumber?

    /// The consumer name of `peer`'s cursor.
    public static func consumerName(_ peer: RegionID) -> String { "replication:\(peer.name)" }

    /// Prepares the stream to `peer`, registering its cursor at the feed's end when it has none
    /// (a new peer: the history before is for anti-entropy; the peer is marked for resync).
    public init(tables: TableStore, peer: RegionID, settings: ReplicationSettings, horizons: HorizonTracker) throws {
        self.tables = tables
        self.peer = peer
        self.settings = settings
        self.horizons = horizons
        consumer = OutboundStream.consumerName(peer)
        try OutboundStream.prepareCursor(tables: tables, peer: peer)
        needsResync = try tables.isResyncPending(for: peer)
        persistedThrough = tables.store.changeConsumers[consumer] ?? .zero
    }

    /// Registers `peer`'s cursor at the feed's end when it has none. What was committed before
    /// is not in its stream: when a global table already lists the peer, the peer is marked for
    /// resync (anti-entropy); a store with nothing to share needs none. A replicator prepares
    /// every peer's cursor when it starts, so writes made while links connect are streamed.
    public static func prepareCursor(tables: TableStore, peer: RegionID) throws {
        guard tables.store.changeConsumers[consumerName(peer)] == nil else { return }
        if try tables.globalTables().contains(where: { $0.replicas[peer] != nil }) {
            try tables.setResyncPending(true, for: peer)
        }
        try tables.store.registerChangeConsumer(consumerName(peer))
    }

    /// Bytes sent and not yet acknowledged.
    public var inFlightBytes: Int { inFlight.reduce(0) { $0 + $1.bytes } }

    /// Positions the stream after the handshake, at the later of the peer's applied position
    /// and the durable cursor. Between the two lie only batches holding nothing for the peer
    /// (which it acknowledged without writing down); the first frame covers them.
    ///
    /// - Throws: engine errors. A peer behind the feed's retention is marked for resync and the
    ///   stream starts at the feed's end.
    public func start(_ welcome: Welcome, now: Int64) throws {
        horizons.recordReportedHorizon(welcome.appliedHorizon, of: peer)
        let cursor = tables.store.changeConsumers[consumer] ?? .zero
        var applied = welcome.appliedThrough
        if applied > tables.store.durableSequence {
            // The peer applied more of "this" store than it holds: it knew another history under
            // the same incarnation (a copy restored from a backup). Resend from the cursor.
            applied = cursor
        }
        ackedThrough = cursor
        try position(after: applied, now: now)
        if applied > cursor { try persist(through: applied, now: now, force: true) }
    }

    /// Frames to send now: changes while the window has room; when idle for
    /// `heartbeatInterval`, a frame covering the batches read that hold nothing for the peer, or
    /// a heartbeat; after `retransmitTimeout` without progress, everything from the last
    /// acknowledged batch again.
    public func poll(now: Int64) throws -> [PeerMessage] {
        if !inFlight.isEmpty, now - lastProgressAt >= settings.retransmitTimeout.microseconds {
            try position(after: ackedThrough, now: now)
        }
        var out: [PeerMessage] = []
        let replicas = try replicaTables()
        var readBytes = 0
        while inFlightBytes < settings.windowBytes, readBytes < settings.windowBytes, reader != nil {
            let batches = try readBatches(now: now)
            // The reader's cursor also passes sequence numbers no batch holds (taken back by a crash).
            readThrough = max(readThrough, reader!.cursor)
            guard let last = batches.last else { break }
            let bytes = batches.reduce(0) { $0 + $1.byteSize }
            readBytes += bytes
            readStamp = last.stamp
            let changes = try tables.replicatedChanges(in: batches).filter { change in
                switch change {
                case .item(let item): replicas[item.tableName].map { $0.id == item.tableID && $0.replicas[peer] != nil } ?? false
                case .table: true
                }
            }
            if changes.isEmpty { continue }
            out.append(frame(changes))
            inFlight.append((readThrough, bytes))
        }
        if out.isEmpty, lastSentAt.map({ now - $0 >= settings.heartbeatInterval.microseconds }) ?? true {
            if readThrough > sentThrough {
                out.append(frame([]))
                inFlight.append((readThrough, 0))
            } else {
                let feedHorizon = needsResync ? nil : tables.store.feedHorizon(through: sentThrough)
                out.append(.heartbeat(HeartbeatMessage(
                    afterGap: gapAt != nil, through: sentThrough, feedHorizon: feedHorizon ?? .zero,
                    appliedHorizon: horizons.appliedHorizon)))
            }
        }
        if !out.isEmpty { lastSentAt = now }
        return out
    }

    /// A frame covering the batches after `sentThrough` through `readThrough`.
    private func frame(_ changes: [ReplicatedChange]) -> PeerMessage {
        let message = ChangesMessage(
            afterGap: gapAt != nil, first: sentThrough + 1, through: readThrough, commitStamp: readStamp,
            feedHorizon: needsResync ? .zero : readStamp, appliedHorizon: horizons.appliedHorizon, changes: changes)
        sentThrough = readThrough
        return .changes(message)
    }

    /// Handles the peer's `ack` or `nack`.
    public func receive(_ message: PeerMessage, now: Int64) throws {
        switch message {
        case .ack(let ack):
            horizons.recordReportedHorizon(ack.appliedHorizon, of: peer)
            if let gap = gapAt, ack.through >= gap { gapAt = nil }
            guard ack.through > ackedThrough, ack.through <= readThrough else { return }
            ackedThrough = ack.through
            inFlight.removeAll { $0.through <= ack.through }
            lastProgressAt = now
            try persist(through: ack.through, now: now, force: false)
        case .nack(let nack):
            try position(after: min(nack.appliedThrough, readThrough), now: now)
            try persist(through: ackedThrough, now: now, force: false)
        default:
            throw ProtocolError(.unexpected, "a \(message.frame.type) frame on the sending side of a stream")
        }
    }

    /// Marks the resync done (anti-entropy pushed every table this peer replicates): from now on
    /// the stream vouches for its history again (horizons).
    public func resyncCompleted() throws {
        try tables.setResyncPending(false, for: peer)
        needsResync = false
    }

    /// Persists an acknowledged cursor it was holding back.
    public func flushCursor(now: Int64) throws {
        try persist(through: ackedThrough, now: now, force: true)
    }

    /// Resumes the stream after `sequence`: frames cover the batches from there on. The reader
    /// starts no earlier than the durable cursor: the peer acknowledged everything up to it, and
    /// what lies between `sequence` and the cursor holds nothing for the peer (see `start`), so
    /// the first frame covers it without reading it (the feed may no longer keep it).
    private func position(after sequence: SequenceNumber, now: Int64) throws {
        let from = max(sequence, persistedThrough)
        do {
            reader = try tables.store.makeChangeReader(after: from)
            sentThrough = sequence
            readThrough = from
            ackedThrough = max(ackedThrough, sequence)
        } catch let error as TernError where error.code == .cursorTooOld {
            try skipToEnd(now: now)
        }
        inFlight.removeAll()
        lastProgressAt = now
    }

    /// The peer is further behind than the feed keeps: resume at the feed's end; the peer needs
    /// anti-entropy for the rest (recorded durably), and frames say they follow a gap.
    private func skipToEnd(now: Int64) throws {
        try tables.setResyncPending(true, for: peer)
        needsResync = true
        let end = tables.store.durableSequence
        reader = try tables.store.makeChangeReader(after: end)
        sentThrough = end
        readThrough = end
        ackedThrough = end
        gapAt = end
        inFlight.removeAll()
        try persist(through: end, now: now, force: true)
    }

    /// The next batches, or none after skipping to the feed's end when the files the reader
    /// needs were removed (retention) under it.
    private func readBatches(now: Int64) throws -> [CommittedBatch] {
        do {
            return try reader!.next(maxBytes: settings.maxFrameBytes)
        } catch let error as TernError where error.code == .cursorTooOld {
            try skipToEnd(now: now)
            return []
        }
    }

    private func persist(through sequence: SequenceNumber, now: Int64, force: Bool) throws {
        guard sequence > persistedThrough else { return }
        guard force || persistedAt.map({ now - $0 >= settings.cursorPersistInterval.microseconds }) ?? true else { return }
        try tables.store.acknowledgeChanges(consumer: consumer, through: sequence)
        persistedThrough = sequence
        persistedAt = now
    }

    private func replicaTables() throws -> [String: (id: GlobalTableID, replicas: [RegionID: ReplicaStatus])] {
        var byName: [String: (id: GlobalTableID, replicas: [RegionID: ReplicaStatus])] = [:]
        for record in try tables.globalTables() { byName[record.tableName] = (record.id, record.replicas) }
        return byName
    }
}
