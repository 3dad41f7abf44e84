import TernEngine
import TernTables

/// A version one side holds of one key, as anti-entropy compares them.
public struct KeyVersion: Sendable, Hashable {
    /// The item's encoded table key.
    public var key: [UInt8]
    public var stamp: WriteStamp
    public var isTombstone: Bool

    public init(key: [UInt8], stamp: WriteStamp, isTombstone: Bool) {
        self.key = key
        self.stamp = stamp
        self.isTombstone = isTombstone
    }
}

/// Anti-entropy between a sender (the side that initiates, over its outbound link) and a
/// receiver, for one global table (`docs/replication.md`, "Anti-entropy"):
/// 1. `leaves`: the sender's Merkle leaves (hashes of its versions, bucketed by key hash);
/// 2. `versions`: the receiver's versions in the leaves that differ (in frames, the last flagged);
/// 3. `repair`: the sender's items and tombstones newer than the receiver's (the last flagged);
/// 4. `done`: what the receiver applied.
public enum AntiEntropyMessage: Sendable, Hashable {
    case leaves(session: UInt64, tableName: String, tableID: GlobalTableID, hashes: [UInt64])
    case versions(session: UInt64, isLast: Bool, leaves: [UInt32], versions: [KeyVersion])
    case repair(session: UInt64, isLast: Bool, changes: [ReplicatedChange])
    case done(session: UInt64, applied: UInt64, stale: UInt64, refusal: String?)

    var frame: Frame {
        var payload: [UInt8] = []
        switch self {
        case .leaves(let session, let tableName, let tableID, let hashes):
            payload.appendUInt64(session)
            payload.appendString(tableName)
            payload.appendString(tableID.region.name)
            payload.appendUInt64(tableID.time.rawValue)
            payload.appendVarint(UInt64(hashes.count))
            for hash in hashes { payload.appendUInt64(hash) }
            return Frame(type: .aeLeaves, payload: payload)
        case .versions(let session, let isLast, let leaves, let versions):
            payload.appendUInt64(session)
            payload.append(isLast ? 1 : 0)
            payload.appendVarint(UInt64(leaves.count))
            for leaf in leaves { payload.appendVarint(UInt64(leaf)) }
            payload.appendVarint(UInt64(versions.count))
            for version in versions {
                payload.appendLengthPrefixed(version.key)
                payload.appendStamp(version.stamp)
                payload.append(version.isTombstone ? 1 : 0)
            }
            return Frame(type: .aeVersions, payload: payload)
        case .repair(let session, let isLast, let changes):
            payload.appendUInt64(session)
            payload.append(isLast ? 1 : 0)
            ChangeCodec.encodeChanges(changes, into: &payload)
            return Frame(type: .aeRepair, payload: payload)
        case .done(let session, let applied, let stale, let refusal):
            payload.appendUInt64(session)
            payload.appendUInt64(applied)
            payload.appendUInt64(stale)
            if let refusal {
                payload.append(1)
                payload.appendString(refusal)
            } else {
                payload.append(0)
            }
            return Frame(type: .aeDone, payload: payload)
        }
    }

    init(type: FrameType, reader: inout WireReader) throws(ProtocolError) {
        let session = try reader.uint64()
        switch type {
        case .aeLeaves:
            let name = try reader.string()
            let region = try reader.region()
            let id = GlobalTableID(region: region, time: HybridTimestamp(rawValue: try reader.uint64()))
            let count = try reader.count()
            guard count >= 1, count <= 1 << 20, count & (count - 1) == 0 else { throw .malformed("\(count) Merkle leaves (a power of two up to 2^20)") }
            var hashes: [UInt64] = []
            hashes.reserveCapacity(count)
            for _ in 0..<count { hashes.append(try reader.uint64()) }
            self = .leaves(session: session, tableName: name, tableID: id, hashes: hashes)
        case .aeVersions:
            let isLast = try Self.flag(&reader)
            var leaves: [UInt32] = []
            for _ in 0..<(try reader.count()) {
                let leaf = try reader.varint()
                guard leaf < 1 << 20 else { throw .malformed("leaf \(leaf)") }
                leaves.append(UInt32(leaf))
            }
            var versions: [KeyVersion] = []
            for _ in 0..<(try reader.count()) {
                let key = try reader.lengthPrefixed()
                let stamp = try reader.stamp()
                versions.append(KeyVersion(key: key, stamp: stamp, isTombstone: try Self.flag(&reader)))
            }
            self = .versions(session: session, isLast: isLast, leaves: leaves, versions: versions)
        case .aeRepair:
            let isLast = try Self.flag(&reader)
            self = .repair(session: session, isLast: isLast, changes: try ChangeCodec.decodeChanges(&reader))
        case .aeDone:
            let applied = try reader.uint64()
            let stale = try reader.uint64()
            let refusal = try Self.flag(&reader) ? try reader.string() : nil
            self = .done(session: session, applied: applied, stale: stale, refusal: refusal)
        default:
            throw .malformed("frame type \(type) is not anti-entropy")
        }
    }

    private static func flag(_ reader: inout WireReader) throws(ProtocolError) -> Bool {
        switch try reader.byte() {
        case 0: return false
        case 1: return true
        case let other: throw .malformed("a flag of \(other)")
        }
    }
}
