/// Where everything lives in the engine's key space (see `docs/tables.md`, "Key layout").
///
/// Every engine key is `[table id: 4 bytes big-endian][index id: 1 byte][rest]`:
///
/// - table id 0 is the catalog: index 0 maps `KeyEncoding(table name)` to a catalog record,
///   index 1 holds the catalog header (format version, next table id), index 2 lists tables whose
///   data is still being deleted (`[table id]` → empty), index 3 lists tables whose index entries
///   are being rebuilt after a TTL change (`[table id]` → empty);
/// - a user table gets a fresh id ≥ 1 at every creation (ids are never reused, so a re-created
///   table starts empty even before the old incarnation's data is gone); index 0 holds its items
///   at `[partition key][sort key]` (KeyEncoding), indexes 1...254 hold secondary index entries at
///   `[index hash][index range][partition key][sort key]`, and index 255 is the TTL expiry
///   index, `[expiry time N][partition key][sort key]` → empty;
/// - a *global* table (one that replicates, see `docs/replication.md`) also keeps, beside each
///   item, its write stamp at index 252 (`[partition key][sort key]` → `StampEntry`) and, in
///   place of each deleted item, a tombstone at index 253 (same key, same value format); a table
///   never made global has neither;
/// - catalog index 4 holds global table records (`[table id]` → `GlobalTableRecord`), index 5
///   the store's region (→ UTF-8 name), index 6 what the store has received from each peer
///   region (`[region name]` → `ReceiveMarker`), index 7 the peers that need a full
///   resynchronization from this store (`[region name]` → empty).
///
/// Because the table id comes first, one table's keys (items and indexes) form one contiguous range
/// `[id] ..< [id + 1]`, which DeleteTable clears.
enum KeyLayout {
    /// The catalog's table id.
    static let catalogTableID: UInt32 = 0
    /// The index id of a table's items.
    static let baseIndexID: UInt8 = 0
    /// The index id of the TTL expiry index.
    static let expiryIndexID: UInt8 = 255
    /// The index id of a global table's item stamps.
    static let stampIndexID: UInt8 = 252
    /// The index id of a global table's tombstones.
    static let tombstoneIndexID: UInt8 = 253
    /// Secondary index ids stay below this (the ids above are reserved).
    static let firstReservedIndexID: UInt8 = 252

    /// Catalog sub-spaces.
    static let catalogTablesIndex: UInt8 = 0
    static let catalogHeaderIndex: UInt8 = 1
    static let catalogDropsIndex: UInt8 = 2
    static let catalogRebuildsIndex: UInt8 = 3
    static let catalogGlobalTablesIndex: UInt8 = 4
    static let catalogRegionIndex: UInt8 = 5
    static let catalogReceiveMarkersIndex: UInt8 = 6
    static let catalogResyncIndex: UInt8 = 7
    /// `[table][index]`.
    static func prefix(table: UInt32, index: UInt8) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        CatalogRecord.appendUInt32(table, to: &bytes)
        bytes.append(index)
        return bytes
    }

    /// The first key after every key that starts with `prefix` (nil when there is none).
    static func end(of prefix: [UInt8]) -> [UInt8]? {
        KeyEncoding.prefixUpperBound(prefix)
    }

    /// The key range of everything a table incarnation owns: `[id] ..< [id + 1]`.
    static func tableRange(_ table: UInt32) -> (lower: [UInt8], upper: [UInt8]?) {
        var lower: [UInt8] = []
        CatalogRecord.appendUInt32(table, to: &lower)
        return (lower, KeyEncoding.prefixUpperBound(lower))
    }

    /// The catalog key of table `name`.
    static func catalogKey(_ name: String) -> [UInt8] {
        var key = prefix(table: catalogTableID, index: catalogTablesIndex)
        KeyEncoding.append(.string(name), to: &key)
        return key
    }

    /// The catalog header key.
    static let catalogHeaderKey = prefix(table: catalogTableID, index: catalogHeaderIndex)

    /// The pending-deletion marker of table incarnation `id`.
    static func dropKey(_ id: UInt32) -> [UInt8] {
        var key = prefix(table: catalogTableID, index: catalogDropsIndex)
        CatalogRecord.appendUInt32(id, to: &key)
        return key
    }

    /// The pending index-rebuild marker of table incarnation `id` (an UpdateTimeToLive in progress).
    static func rebuildKey(_ id: UInt32) -> [UInt8] {
        var key = prefix(table: catalogTableID, index: catalogRebuildsIndex)
        CatalogRecord.appendUInt32(id, to: &key)
        return key
    }

    /// The global table record of table incarnation `id`.
    static func globalTableKey(_ id: UInt32) -> [UInt8] {
        var key = prefix(table: catalogTableID, index: catalogGlobalTablesIndex)
        CatalogRecord.appendUInt32(id, to: &key)
        return key
    }

    /// Where the store's region name is kept.
    static let regionKey = prefix(table: catalogTableID, index: catalogRegionIndex)

    /// What the store has received from `region`.
    static func receiveMarkerKey(_ region: RegionID) -> [UInt8] {
        var key = prefix(table: catalogTableID, index: catalogReceiveMarkersIndex)
        key.append(contentsOf: region.name.utf8)
        return key
    }

    /// Present while `region` needs a full resynchronization (anti-entropy) from this store.
    static func resyncKey(_ region: RegionID) -> [UInt8] {
        var key = prefix(table: catalogTableID, index: catalogResyncIndex)
        key.append(contentsOf: region.name.utf8)
        return key
    }

    /// FNV-1a (64-bit) of `bytes`: a stable hash (Swift's `Hasher` is seeded per process) for lock
    /// stripes and Scan segments.
    static func stableHash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        return hash
    }

    static func stableHash(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { stableHash($0) }
    }
}
