import TernEngine
import TernTables

/// The receiving side of anti-entropy sessions, on an anti-entropy connection's thread:
/// - `leaves`: compares the initiator's leaves with its own, answers its versions in the
///   leaves that differ (`versions`, in frames, the last flagged);
/// - `repair`: applies the initiator's newer versions (last writer wins, as any change);
/// - `versions` from the initiator (the keys where this side looked newer, with the
///   initiator's stamps): answers the versions still newer here (`repair`, last flagged), then
///   `done` with what it applied.
final class AntiEntropyReceiver {
    let tables: TableStore
    let peer: RegionID
    let maxFrameBytes: Int
    private var applied: UInt64 = 0
    private var stale: UInt64 = 0
    private var sessionTable: (name: String, id: GlobalTableID)?

    /// Told of the local writes a repair from the peer overwrote (concurrent writes that lost,
    /// counted like those the stream overwrites).
    private let onOverwritten: @Sendable ([OverwrittenWrite]) -> Void

    init(
        tables: TableStore, peer: RegionID, maxFrameBytes: Int,
        onOverwritten: @escaping @Sendable ([OverwrittenWrite]) -> Void = { _ in }
    ) {
        self.onOverwritten = onOverwritten
        self.tables = tables
        self.peer = peer
        self.maxFrameBytes = maxFrameBytes
    }

    func receive(_ message: AntiEntropyMessage) throws -> [PeerMessage] {
        switch message {
        case .leaves(let session, let tableName, let id, let hashes):
            return try compare(session: session, tableName: tableName, id: id, hashes: hashes)
        case .repair(_, _, let changes):
            let result = try tables.applyReplicated(changes, durability: .buffered)
            try tables.store.sync()
            if !result.overwritten.isEmpty { onOverwritten(result.overwritten) }
            applied += UInt64(result.applied)
            stale += UInt64(result.stale)
            return []
        case .versions(let session, let isLast, _, let wanted):
            guard let (name, id) = sessionTable else { return [] }
            var replies = try newerThan(wanted, tableName: name, id: id, session: session, isLast: isLast)
            if isLast {
                replies.append(.antiEntropy(.done(session: session, applied: applied, stale: stale, refusal: nil)))
                applied = 0
                stale = 0
            }
            return replies
        case .done:
            return []
        }
    }

    private func compare(session: UInt64, tableName: String, id: GlobalTableID, hashes: [UInt64]) throws -> [PeerMessage] {
        guard let record = try? tables.globalTableRecord(tableName), record.id == id else {
            return [.antiEntropy(.done(session: session, applied: 0, stale: 0, refusal: "\(tableName) is not that global table in this region"))]
        }
        sessionTable = (tableName, id)
        applied = 0
        stale = 0
        let bits = hashes.count.trailingZeroBitCount
        var mine = MerkleLeaves()
        try tables.forEachVersion(tableName: tableName, id: id) { mine.add($0) }
        let ours = mine.folded(bits: bits)
        let differing = Set(hashes.indices.filter { hashes[$0] != ours[$0] })
        var replies: [PeerMessage] = []
        var chunk: [KeyVersion] = []
        var chunkBytes = 0
        if !differing.isEmpty {
            try tables.forEachVersion(tableName: tableName, id: id) { version in
                guard differing.contains(MerkleLeaves.leaf(of: version.key, bits: bits)) else { return }
                chunk.append(KeyVersion(key: version.key, stamp: version.stamp, isTombstone: version.isTombstone))
                chunkBytes += version.key.count + 32
                if chunkBytes >= maxFrameBytes {
                    replies.append(.antiEntropy(.versions(session: session, isLast: false, leaves: [], versions: chunk)))
                    chunk = []
                    chunkBytes = 0
                }
            }
        }
        replies.append(.antiEntropy(.versions(
            session: session, isLast: true, leaves: differing.sorted().map(UInt32.init), versions: chunk)))
        return replies
    }

    /// This side's versions of `wanted` keys that are newer than the initiator's stamps.
    private func newerThan(_ wanted: [KeyVersion], tableName: String, id: GlobalTableID, session: UInt64, isLast: Bool) throws -> [PeerMessage] {
        let theirs = Dictionary(wanted.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let changes = try tables.versionChanges(tableName: tableName, id: id, keys: wanted.map(\.key)).filter { change in
            guard case .item(let item) = change, let other = theirs[item.key] else { return false }
            // A tombstone at clock zero stands for "no version" on the initiator's side.
            return (other.isTombstone && other.stamp.time == .zero) || item.stamp > other.stamp
        }
        return AntiEntropyReceiver.repairFrames(changes, session: session, isLast: isLast, maxFrameBytes: maxFrameBytes)
    }

    /// `changes` in `repair` frames of about `maxFrameBytes`, the last one flagged when `isLast`.
    static func repairFrames(_ changes: [ReplicatedChange], session: UInt64, isLast: Bool, maxFrameBytes: Int) -> [PeerMessage] {
        var frames: [PeerMessage] = []
        var chunk: [ReplicatedChange] = []
        var bytes = 0
        for change in changes {
            chunk.append(change)
            if case .item(let item) = change { bytes += item.key.count + (item.item?.count ?? 0) + 40 }
            if bytes >= maxFrameBytes {
                frames.append(.antiEntropy(.repair(session: session, isLast: false, changes: chunk)))
                chunk = []
                bytes = 0
            }
        }
        if isLast || !chunk.isEmpty { frames.append(.antiEntropy(.repair(session: session, isLast: isLast, changes: chunk))) }
        return frames
    }
}
