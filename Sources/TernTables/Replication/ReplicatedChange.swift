import TernEngine

/// One write to an item of a global table, as replication ships it: which table (name and global
/// identity), which item (its encoded table key), the new item or a delete, and the write's stamp.
public struct ItemChange: Sendable, Hashable {
    public var tableName: String
    public var tableID: GlobalTableID
    /// The item's table key, `KeyEncoding` of `[partition][sort]` (`docs/formats/key-encoding.md`).
    public var key: [UInt8]
    /// The new item (`ItemCodec` bytes), nil for a delete.
    public var item: [UInt8]?
    public var stamp: WriteStamp
    /// The version the write replaced in its origin region (nil: none).
    public var previous: WriteStamp?

    public init(tableName: String, tableID: GlobalTableID, key: [UInt8], item: [UInt8]?, stamp: WriteStamp, previous: WriteStamp?) {
        self.tableName = tableName
        self.tableID = tableID
        self.key = key
        self.item = item
        self.stamp = stamp
        self.previous = previous
    }
}

/// A change of a global table's record (its replica set), with the table's definition (the
/// `CatalogRecord` bytes) so a region newly listed can create its replica.
public struct TableMetadataChange: Sendable, Hashable {
    public var record: GlobalTableRecord
    /// The table's catalog record (`docs/tables.md`, "Catalog format"); nil when the origin no
    /// longer holds the table (a departure).
    public var definition: [UInt8]?

    public init(record: GlobalTableRecord, definition: [UInt8]?) {
        self.record = record
        self.definition = definition
    }
}

/// What replication ships: item writes and table metadata, in commit order.
public enum ReplicatedChange: Sendable, Hashable {
    case item(ItemChange)
    case table(TableMetadataChange)

    /// The change's stamp (the newest clock value it carries).
    public var stamp: WriteStamp {
        switch self {
        case .item(let change): change.stamp
        case .table(let change): change.record.stamp
        }
    }
}

extension TableStore {
    /// The changes to ship from committed batches of this store's change feed: every write to a
    /// global table that was made here (its stamp names this store's region), and every global
    /// table record this region wrote. Writes applied from other regions are not shipped again
    /// (each region ships its own writes to every peer: a full mesh), nor are TTL purges (every
    /// replica purges its own expired versions).
    ///
    /// Tables are resolved against the current catalog: a write to a table dropped since is not
    /// shipped.
    ///
    /// - Throws: `TernError` `.corruption` for a malformed stamp entry or record.
    public func replicatedChanges(in batches: [CommittedBatch]) throws -> [ReplicatedChange] {
        let (region, byID) = catalog.withLock { state in
            (state.region, Dictionary(state.tables.values.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }))
        }
        guard let region else { return [] }
        var changes: [ReplicatedChange] = []
        for batch in batches {
            try ChangeDecoder(region: region, tablesByID: byID).decode(batch, into: &changes)
        }
        return changes
    }
}

/// Turns one committed batch into the changes it ships.
struct ChangeDecoder {
    let region: RegionID
    let tablesByID: [UInt32: TableSchema]

    private struct Pending {
        var table: TableSchema
        var key: [UInt8]
        var entry: StampEntry
        var isTombstone: Bool
    }

    func decode(_ batch: CommittedBatch, into changes: inout [ReplicatedChange]) throws {
        var items: [[UInt8]: [UInt8]] = [:]  // engine item key -> item bytes
        var stamped: [Pending] = []
        try batch.forEachOperation { kind, key, value in
            guard kind == .value, key.count >= 5 else { return }
            let tableID = UInt32(key[0]) << 24 | UInt32(key[1]) << 16 | UInt32(key[2]) << 8 | UInt32(key[3])
            let index = key[4]
            if tableID == KeyLayout.catalogTableID {
                guard index == KeyLayout.catalogGlobalTablesIndex, key.count == 9 else { return }
                let id = UInt32(key[5]) << 24 | UInt32(key[6]) << 16 | UInt32(key[7]) << 8 | UInt32(key[8])
                if let change = try metadataChange(Array(value), tableID: id) { changes.append(.table(change)) }
                return
            }
            guard let table = tablesByID[tableID], table.global != nil else { return }
            switch index {
            case KeyLayout.baseIndexID:
                items[Array(key)] = Array(value)
            case KeyLayout.stampIndexID, KeyLayout.tombstoneIndexID:
                let entry = try StampEntry.decode(Array(value))
                guard entry.stamp.region == region, !entry.isExpiryPurge else { return }
                stamped.append(Pending(table: table, key: Array(key[5...]), entry: entry, isTombstone: index == KeyLayout.tombstoneIndexID))
            default:
                return
            }
        }
        for pending in stamped {
            let global = pending.table.global!
            var item: [UInt8]?
            if !pending.isTombstone {
                guard let bytes = items[pending.table.basePrefix + pending.key] else {
                    throw TernError(.corruption, "a stamp entry of \(pending.table.name) without its item in batch \(batch.sequence)")
                }
                item = bytes
            }
            changes.append(.item(ItemChange(
                tableName: pending.table.name, tableID: global.record.id, key: pending.key, item: item,
                stamp: pending.entry.stamp, previous: pending.entry.previous)))
        }
    }

    private func metadataChange(_ value: [UInt8], tableID: UInt32) throws -> TableMetadataChange? {
        let record = try GlobalTableRecord.decode(value)
        guard record.stamp.region == region else { return nil }
        var definition: [UInt8]?
        if let table = tablesByID[tableID], table.global?.record.id == record.id {
            // The receiving region gives the table an id of its own.
            definition = CatalogRecord.encode(table.stored)
        }
        return TableMetadataChange(record: record, definition: definition)
    }
}
