import TernEngine

/// Local writes to global tables: every item write carries a `StampEntry` (a tombstone for a
/// delete) in the same engine batch as the item and its index entries.
extension TableStore {
    /// Appends to `batch` the write of `new` (nil: delete) over `stored` (the stored item, nil when
    /// absent) and, when the table is global, the write's stamp: a stamp entry beside a stored
    /// item, a tombstone in place of a deleted one (also for a delete of an absent item: a delete
    /// is a write that must win over older writes still on their way from other regions).
    ///
    /// The stamp is taken from the store's clock here, under the item's lock stripe, so two writes
    /// of one item get increasing stamps in the order they commit; the clock has observed every
    /// stamp this store applied, so a local write orders after the version it replaces.
    ///
    /// REQUIRES: the item's lock stripe held; `stored` read under it.
    func appendItemWrite(
        _ table: TableSchema, stored: Item?, new: Item?, primaryKey: PrimaryKey, to batch: inout WriteBatch
    ) throws {
        // Read under the stripe: UpdateTable makes a table global holding every stripe, so this
        // sees whether the table is global now, not when the request resolved it.
        guard let global = currentGlobalState(of: table) else {
            if stored != nil || new != nil { table.appendWrite(old: stored, new: new, primaryKey: primaryKey, to: &batch) }
            return
        }
        let suffix = table.keySuffix(primaryKey)
        let previous = try storedVersion(table, suffix: suffix, itemPresent: stored != nil, global: global)
        if stored != nil || new != nil { table.appendWrite(old: stored, new: new, primaryKey: primaryKey, to: &batch) }
        let stamp = WriteStamp(time: store.clock.now(), region: global.localRegion)
        let entry = StampEntry(stamp: stamp, previous: previous).encoded()
        if new != nil {
            batch.put(table.stampPrefix + suffix, entry)
            if stored == nil && previous != nil { batch.delete(table.tombstonePrefix + suffix) }
        } else {
            batch.put(table.tombstonePrefix + suffix, entry)
            if stored != nil { batch.delete(table.stampPrefix + suffix) }
        }
    }

    /// The version this store holds of the item with key `suffix`: its stamp entry when the item
    /// is present (an item stored before the table became global has none: it counts as written
    /// at clock zero by the region that made the table global), its tombstone when absent, nil
    /// when the item is absent without a tombstone (older than every write).
    func storedVersion(_ table: TableSchema, suffix: [UInt8], itemPresent: Bool, global: GlobalTableState) throws -> WriteStamp? {
        if itemPresent {
            guard let bytes = try store.get(table.stampPrefix + suffix) else {
                return WriteStamp(time: .zero, region: global.record.id.region)
            }
            return try StampEntry.decode(bytes).stamp
        }
        guard let bytes = try store.get(table.tombstonePrefix + suffix) else { return nil }
        return try StampEntry.decode(bytes).stamp
    }

    /// The table's replication state as the catalog has it now.
    func currentGlobalState(of table: TableSchema) -> GlobalTableState? {
        catalog.withLock { $0.tables[table.name] }.flatMap { $0.id == table.id ? $0.global : nil }
    }
}

extension TableStore {
    /// Appends the tombstone that replaces an expired item of a global table: it carries the
    /// expired version's own stamp and the expiry-purge flag, so it is never shipped and never
    /// wins over a write: every replica purges its own copy of that version when it expires
    /// there, and a rewrite anywhere (a later stamp) wins over the expired version and its
    /// tombstone alike. (A purge stamped "now" would win over a rewrite made elsewhere before the
    /// purge but not yet received: TTL would then delete live data.)
    ///
    /// REQUIRES: the item's lock stripe held; the item is stored.
    func appendExpiryTombstone(_ table: TableSchema, global: GlobalTableState, primaryKey: PrimaryKey, to batch: inout WriteBatch) throws {
        let suffix = table.keySuffix(primaryKey)
        guard let version = try storedVersion(table, suffix: suffix, itemPresent: true, global: global) else { return }
        batch.put(table.tombstonePrefix + suffix, StampEntry(stamp: version, previous: version, isExpiryPurge: true).encoded())
        batch.delete(table.stampPrefix + suffix)
    }
}
