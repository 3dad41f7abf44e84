import TernEngine
import TernTables

/// The initiating side of anti-entropy for one table with one peer (`docs/replication.md`,
/// "Anti-entropy"):
/// 1. re-announces the table's record (a peer listed while its stream skipped history creates
///    its replica from it);
/// 2. sends its Merkle leaves; the peer answers its versions in the leaves that differ;
/// 3. pushes its versions newer than the peer's (or the peer lacks), and asks for the keys where
///    the peer looked newer (or this side lacks); the peer answers those, then `done`;
/// 4. applies what the peer sent, last writer wins.
///
/// Transport-free: `send` writes frames, `receive` returns the next frames from the peer
/// (blocking, with the caller's timeout). One session at a time.
struct AntiEntropyInitiator {
    let tables: TableStore
    let peer: RegionID
    let maxFrameBytes: Int
    /// Told of the local writes a repair from the peer overwrote (concurrent writes that lost,
    /// counted like those the stream overwrites).
    var onOverwritten: @Sendable ([OverwrittenWrite]) -> Void = { _ in }

    func run(
        tableName: String, session: UInt64, send: ([PeerMessage]) throws -> Void, receive: () throws -> [PeerMessage]
    ) throws -> AntiEntropyReport {
        let started = ContinuousClock.now
        var report = AntiEntropyReport(peer: peer, tableName: tableName)
        guard let metadata = try tables.tableMetadata(tableName: tableName) else {
            report.refusal = "\(tableName) is not global here"
            return report
        }
        let id = metadata.record.id
        var leaves = MerkleLeaves()
        try tables.forEachVersion(tableName: tableName, id: id) { leaves.add($0) }
        let bits = MerkleLeaves.bits(forVersions: leaves.count)
        report.versions = leaves.count
        report.leaves = 1 << bits
        try send([
            .antiEntropy(.repair(session: 0, isLast: false, changes: [.table(metadata)])),
            .antiEntropy(.leaves(session: session, tableName: tableName, tableID: id, hashes: leaves.folded(bits: bits))),
        ])
        // The peer's versions in the leaves that differ.
        var theirs: [[UInt8]: KeyVersion] = [:]
        var differing: Set<Int> = []
        waiting: while true {
            for message in try receive() {
                switch message {
                case .antiEntropy(.versions(session, let isLast, let leafList, let versions)):
                    for version in versions { theirs[version.key] = version }
                    if isLast {
                        differing = Set(leafList.map(Int.init))
                        break waiting
                    }
                case .antiEntropy(.done(session, _, _, let refusal)):
                    report.refusal = refusal ?? "the peer ended the session early"
                    report.duration = ContinuousClock.now - started
                    return report
                default:
                    continue
                }
            }
        }
        report.leavesDiffering = differing.count
        var push: [[UInt8]] = []
        var want: [KeyVersion] = []
        var seen: Set<[UInt8]> = []
        if !differing.isEmpty {
            try tables.forEachVersion(tableName: tableName, id: id) { version in
                guard differing.contains(MerkleLeaves.leaf(of: version.key, bits: bits)) else { return }
                seen.insert(version.key)
                guard let other = theirs[version.key] else { return push.append(version.key) }
                if version.stamp > other.stamp || (version.stamp == other.stamp && version.isTombstone != other.isTombstone) {
                    push.append(version.key)
                } else if other.stamp > version.stamp {
                    want.append(KeyVersion(key: version.key, stamp: version.stamp, isTombstone: version.isTombstone))
                }
            }
        }
        // Keys only the peer holds: ask for them ("a tombstone at clock zero": no version here).
        for key in theirs.keys where !seen.contains(key) {
            want.append(KeyVersion(key: key, stamp: WriteStamp(time: .zero, region: peer), isTombstone: true))
        }
        report.keysCompared = seen.union(theirs.keys).count
        report.pushed = push.count
        let changes = try tables.versionChanges(tableName: tableName, id: id, keys: push)
        try send(AntiEntropyReceiver.repairFrames(changes, session: session, isLast: true, maxFrameBytes: maxFrameBytes)
                 + wantFrames(want, session: session))
        // The peer's newer versions, then its summary.
        while true {
            for message in try receive() {
                switch message {
                case .antiEntropy(.repair(session, _, let changes)):
                    let result = try tables.applyReplicated(changes, durability: .buffered)
                    try tables.store.sync()
                    report.pulled += result.applied
                    if !result.overwritten.isEmpty { onOverwritten(result.overwritten) }
                case .antiEntropy(.done(session, let applied, _, let refusal)):
                    report.refusal = refusal
                    report.pushed = Int(applied)
                    report.duration = ContinuousClock.now - started
                    return report
                default:
                    continue
                }
            }
        }
    }

    private func wantFrames(_ want: [KeyVersion], session: UInt64) -> [PeerMessage] {
        var frames: [PeerMessage] = []
        var chunk: [KeyVersion] = []
        var bytes = 0
        for version in want {
            chunk.append(version)
            bytes += version.key.count + 32
            if bytes >= maxFrameBytes {
                frames.append(.antiEntropy(.versions(session: session, isLast: false, leaves: [], versions: chunk)))
                chunk = []
                bytes = 0
            }
        }
        frames.append(.antiEntropy(.versions(session: session, isLast: true, leaves: [], versions: chunk)))
        return frames
    }
}
