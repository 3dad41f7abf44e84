import TernEngine

/// What a region has received from a peer region, stored with the changes it applied (in the
/// same engine batch): which incarnation of the peer's store (`TableStore.incarnation`), the
/// peer's last change-feed sequence applied, that batch's commit stamp, and the peer's
/// *horizon* (every batch the peer committed at or before it has been applied).
///
/// ```
/// marker = %x01 incarnation:8OCTET sequence:8OCTET commit:8OCTET horizon:8OCTET   ; big-endian
/// ```
public struct ReceiveMarker: Sendable, Hashable {
    public static let formatVersion: UInt8 = 1

    public var incarnation: UInt64
    public var sequence: SequenceNumber
    public var commitStamp: HybridTimestamp
    public var horizon: HybridTimestamp

    public init(incarnation: UInt64, sequence: SequenceNumber, commitStamp: HybridTimestamp, horizon: HybridTimestamp) {
        self.incarnation = incarnation
        self.sequence = sequence
        self.commitStamp = commitStamp
        self.horizon = horizon
    }

    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = [ReceiveMarker.formatVersion]
        StampEntry.appendBigEndian(incarnation, to: &bytes)
        StampEntry.appendBigEndian(sequence.rawValue, to: &bytes)
        StampEntry.appendBigEndian(commitStamp.rawValue, to: &bytes)
        StampEntry.appendBigEndian(horizon.rawValue, to: &bytes)
        return bytes
    }

    public static func decode(_ bytes: [UInt8]) throws -> ReceiveMarker {
        guard bytes.count == 33, bytes[0] == formatVersion else {
            throw TernError(.corruption, "receive marker of \(bytes.count) bytes, version \(bytes.first ?? 0)")
        }
        func word(_ at: Int) -> UInt64 { bytes[at..<(at + 8)].reduce(0) { $0 << 8 | UInt64($1) } }
        return ReceiveMarker(
            incarnation: word(1), sequence: SequenceNumber(word(9)), commitStamp: HybridTimestamp(rawValue: word(17)),
            horizon: HybridTimestamp(rawValue: word(25)))
    }
}

/// A local write that a concurrent write from another region replaced: last writer wins dropped
/// it. Reported so it can be counted and logged (DynamoDB drops these silently).
public struct OverwrittenWrite: Sendable, Hashable {
    public var tableName: String
    /// The item's encoded table key.
    public var key: [UInt8]
    /// The local write's stamp.
    public var local: WriteStamp
    /// The winning remote write's stamp.
    public var remote: WriteStamp
}

/// What `applyReplicated` did.
public struct ReplicatedApplyResult: Sendable, Hashable {
    /// Item changes applied (their stamp was newer than the stored version).
    public var applied = 0
    /// Item changes that were not newer than the stored version: already applied, or older.
    public var stale = 0
    /// Changes for a table this store does not replicate (absent, or another incarnation).
    public var unknownTable = 0
    /// Local writes replaced by concurrent remote writes.
    public var overwritten: [OverwrittenWrite] = []
    /// Table metadata changes applied, and what each did.
    public var tableOutcomes: [TableMetadataOutcome] = []

    public init() {}
}

extension TableStore {
    /// How many item changes share one engine batch (and one set of lock stripes).
    static let applyChunk = 256

    /// Applies changes received from another region, last writer wins: an item change is applied
    /// only when its stamp orders after the version stored for the item (stamp entry, tombstone,
    /// or nothing), with the item's index entries and the new stamp entry or tombstone in one
    /// engine batch under the item's lock stripe; an equal or older stamp changes nothing, so
    /// applying a change twice is harmless. Table metadata changes create, update or detach
    /// replicas (`applyTableMetadata`).
    ///
    /// The store's clock observes every stamp, so later local writes order after them (the caller
    /// bounds clock skew first: `HybridLogicalClock.receive`).
    ///
    /// - Parameters:
    ///   - marker: recorded for `origin` in the last engine batch, so it is durable exactly when
    ///     the changes are.
    ///   - durability: of every batch written (`.buffered` then one `Store.sync()` is what a
    ///     receiver does before acknowledging).
    /// - Throws: `TernError` `.corruption` (a malformed key or item: nothing of that chunk is
    ///   written), `ValidationException` for an item a table cannot hold; engine errors.
    @discardableResult
    public func applyReplicated(
        _ changes: [ReplicatedChange], from origin: RegionID? = nil, marker: ReceiveMarker? = nil, durability: Durability
    ) throws -> ReplicatedApplyResult {
        try checkOpen()
        var result = ReplicatedApplyResult()
        if let newest = changes.lazy.map(\.stamp.time).max() { store.clock.observe(newest) }
        var pending: [ItemChange] = []
        func flush(final: Bool) throws {
            var start = 0
            repeat {
                let end = min(pending.count, start + TableStore.applyChunk)
                let last = final && end == pending.count
                try applyChunk(pending[start..<end], marker: last ? origin.flatMap { o in marker.map { (o, $0) } } : nil,
                               durability: durability, result: &result)
                start = end
            } while start < pending.count
            pending.removeAll(keepingCapacity: true)
        }
        for change in changes {
            switch change {
            case .item(let item):
                pending.append(item)
            case .table(let table):
                if !pending.isEmpty { try flush(final: false) }
                result.tableOutcomes.append(try applyTableMetadata(table, durability: durability))
            }
        }
        try flush(final: true)
        return result
    }

    /// The marker last stored for `origin`, nil when nothing was received from it.
    public func receiveMarker(from origin: RegionID) throws -> ReceiveMarker? {
        try store.get(KeyLayout.receiveMarkerKey(origin)).map(ReceiveMarker.decode)
    }

    private struct Resolved {
        var change: ItemChange
        var table: TableSchema
        var primaryKey: PrimaryKey
        var itemKey: [UInt8]
        var item: Item?
    }

    private func applyChunk(
        _ chunk: ArraySlice<ItemChange>, marker: (RegionID, ReceiveMarker)?, durability: Durability,
        result: inout ReplicatedApplyResult
    ) throws {
        let tables = catalog.withLock { $0.tables }
        var resolved: [Resolved] = []
        for change in chunk {
            guard let table = tables[change.tableName], let global = table.global, global.record.id == change.tableID else {
                result.unknownTable += 1
                continue
            }
            resolved.append(try resolve(change, table: table))
        }
        let stripeIDs = resolved.map { stripes.stripe(tableName: $0.table.name, itemKey: $0.itemKey) }
        try stripes.withLocks(stripeIDs) {
            var batch = WriteBatch()
            // Versions this chunk wrote, so a second change of one item sees the first.
            var overlay: [[UInt8]: (item: Item?, version: WriteStamp?)] = [:]
            for entry in resolved {
                // The table may have been dropped or detached while unlocked.
                guard let global = currentGlobalState(of: entry.table), global.record.id == entry.change.tableID else {
                    result.unknownTable += 1
                    continue
                }
                let suffix = entry.change.key
                let stored: (item: Item?, version: WriteStamp?)
                if let written = overlay[entry.itemKey] {
                    stored = written
                } else {
                    let item = try storedItem(entry.itemKey)
                    stored = (item, try storedVersion(entry.table, suffix: suffix, itemPresent: item != nil, global: global))
                }
                let incoming = entry.change.stamp
                if let version = stored.version, incoming <= version {
                    result.stale += 1
                    continue
                }
                if let version = stored.version, version.region == global.localRegion, version.time != .zero,
                   entry.change.previous != version {
                    result.overwritten.append(OverwrittenWrite(tableName: entry.table.name, key: suffix, local: version, remote: incoming))
                }
                if stored.item != nil || entry.item != nil {
                    entry.table.appendWrite(old: stored.item, new: entry.item, primaryKey: entry.primaryKey, to: &batch)
                }
                let stampEntry = StampEntry(stamp: incoming, previous: entry.change.previous).encoded()
                if entry.item != nil {
                    batch.put(entry.table.stampPrefix + suffix, stampEntry)
                    batch.delete(entry.table.tombstonePrefix + suffix)
                } else {
                    batch.put(entry.table.tombstonePrefix + suffix, stampEntry)
                    batch.delete(entry.table.stampPrefix + suffix)
                }
                overlay[entry.itemKey] = (entry.item, incoming)
                result.applied += 1
            }
            if let (origin, marker) = marker { batch.put(KeyLayout.receiveMarkerKey(origin), marker.encoded()) }
            if !batch.isEmpty { try store.write(batch, durability: durability) }
        }
    }

    /// Decodes and validates a change against its table: the key must be the table's key (types
    /// and nothing after it), the item must decode, carry that key, and pass the checks a local
    /// write passes (values, size, index keys); the geohash cell is derived again.
    private func resolve(_ change: ItemChange, table: TableSchema) throws -> Resolved {
        let primaryKey = try KeyEncoding.decodeKey(change.key, hasSortKey: table.key.sortKey != nil)
        guard primaryKey.partition.type == table.key.partitionKey.type, primaryKey.sort?.type == table.key.sortKey?.type
        else {
            throw TernError(.corruption, "a replicated key of \(change.tableName) does not match its key schema")
        }
        var item: Item?
        if let bytes = change.item {
            var decoded = try ItemCodec.decode(bytes)
            let itemKey = try table.prepareForWrite(&decoded)
            guard itemKey == primaryKey else {
                throw TernError(.corruption, "a replicated item of \(change.tableName) does not carry the key it was shipped under")
            }
            item = decoded
        }
        return Resolved(change: change, table: table, primaryKey: primaryKey, itemKey: table.itemKey(primaryKey), item: item)
    }
}
