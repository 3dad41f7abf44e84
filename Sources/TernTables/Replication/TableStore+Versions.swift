import TernEngine

/// One version a global table holds for one key (anti-entropy compares them).
public struct StoredVersion: Sendable, Hashable {
    /// The item's encoded table key.
    public var key: [UInt8]
    public var stamp: WriteStamp
    /// The write this one replaced where it was made (nil: none, or an item from before the
    /// table was global).
    public var previous: WriteStamp?
    /// The item's bytes (`ItemCodec`); nil for a tombstone.
    public var item: [UInt8]?

    public var isTombstone: Bool { item == nil }

    public init(key: [UInt8], stamp: WriteStamp, previous: WriteStamp?, item: [UInt8]?) {
        self.key = key
        self.stamp = stamp
        self.previous = previous
        self.item = item
    }
}

extension TableStore {
    /// Calls `body` with every version of the global table `tableName` (incarnation `id`): each
    /// item with its stamp, then each tombstone, all read at one snapshot. An item stored before
    /// the table became global counts as stamped at clock zero by the region that made it
    /// global.
    ///
    /// - Throws: `ResourceNotFoundException` when the table is not that global table here;
    ///   engine errors; `.corruption` for a malformed stamp entry.
    public func forEachVersion(tableName: String, id: GlobalTableID, _ body: (StoredVersion) throws -> Void) throws {
        let table = try table(tableName)
        guard let global = table.global, global.record.id == id else { throw TableStore.notFound(tableName) }
        let snapshot = store.snapshot()
        let unstamped = WriteStamp(time: .zero, region: global.record.id.region)
        var items = try store.makeIterator(lowerBound: table.basePrefix, upperBound: KeyLayout.end(of: table.basePrefix), snapshot: snapshot)
        var stamps = try store.makeIterator(lowerBound: table.stampPrefix, upperBound: KeyLayout.end(of: table.stampPrefix), snapshot: snapshot)
        items.seekToFirst()
        stamps.seekToFirst()
        let prefixLength = table.basePrefix.count
        while items.isValid {
            let suffix = items.withKey { Array($0[prefixLength...]) }
            // Stamp entries and items share their key suffixes, in the same order.
            while stamps.isValid, stamps.withKey({ $0[prefixLength...].lexicographicallyPrecedes(suffix) }) { stamps.next() }
            var entry: StampEntry?
            if stamps.isValid, stamps.withKey({ $0[prefixLength...].elementsEqual(suffix) }) {
                entry = try StampEntry.decode(stamps.value)
            }
            try body(StoredVersion(key: suffix, stamp: entry?.stamp ?? unstamped, previous: entry?.previous, item: items.value))
            items.next()
        }
        try items.checkError()
        try stamps.checkError()
        var tombstones = try store.makeIterator(
            lowerBound: table.tombstonePrefix, upperBound: KeyLayout.end(of: table.tombstonePrefix), snapshot: snapshot)
        tombstones.seekToFirst()
        while tombstones.isValid {
            let entry = try StampEntry.decode(tombstones.value)
            try body(StoredVersion(key: tombstones.withKey { Array($0[prefixLength...]) }, stamp: entry.stamp, previous: entry.previous, item: nil))
            tombstones.next()
        }
        try tombstones.checkError()
    }

    /// The changes that carry this store's versions of `keys` (items or tombstones) to another
    /// region; keys holding nothing are left out.
    ///
    /// - Throws: as `forEachVersion`.
    public func versionChanges(tableName: String, id: GlobalTableID, keys: [[UInt8]]) throws -> [ReplicatedChange] {
        let table = try table(tableName)
        guard let global = table.global, global.record.id == id else { throw TableStore.notFound(tableName) }
        let snapshot = store.snapshot()
        var changes: [ReplicatedChange] = []
        for key in keys {
            if let item = try store.get(table.basePrefix + key, snapshot: snapshot) {
                let entry = try store.get(table.stampPrefix + key, snapshot: snapshot).map(StampEntry.decode)
                changes.append(.item(ItemChange(
                    tableName: tableName, tableID: id, key: key, item: item,
                    stamp: entry?.stamp ?? WriteStamp(time: .zero, region: global.record.id.region), previous: entry?.previous)))
            } else if let bytes = try store.get(table.tombstonePrefix + key, snapshot: snapshot) {
                let entry = try StampEntry.decode(bytes)
                changes.append(.item(ItemChange(tableName: tableName, tableID: id, key: key, item: nil, stamp: entry.stamp, previous: entry.previous)))
            }
        }
        return changes
    }

    /// The table's record and definition, as a metadata change (anti-entropy re-announces it, so
    /// a region listed while its stream skipped history creates its replica).
    public func tableMetadata(tableName: String) throws -> TableMetadataChange? {
        let table = try table(tableName)
        guard let global = table.global else { return nil }
        return TableMetadataChange(record: global.record, definition: CatalogRecord.encode(table.stored))
    }
}
