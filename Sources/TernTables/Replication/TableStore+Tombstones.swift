import TernEngine

extension TableStore {
    /// The version this store holds of one item of a global table: its stamp and whether it is a
    /// tombstone; nil when the item is absent without a tombstone (or the table is not global).
    ///
    /// - Throws: `ResourceNotFoundException`; `ValidationException` for a key that does not match
    ///   the schema; engine errors.
    public func itemVersion(tableName: String, key: Item) throws -> (stamp: WriteStamp, isTombstone: Bool)? {
        let table = try table(tableName)
        guard let global = table.global else { return nil }
        let primaryKey = try table.key.primaryKey(ofKey: key)
        let present = try store.get(table.itemKey(primaryKey)) != nil
        return try storedVersion(table, suffix: table.keySuffix(primaryKey), itemPresent: present, global: global)
            .map { ($0, !present) }
    }

    /// Removes tombstones of global tables whose stamp is before `horizon`, at most `limit`, and
    /// returns how many it removed.
    ///
    /// Safe only when no write older than a purged tombstone can still reach this store and every
    /// other replica holds that tombstone or something newer; otherwise an older write arriving
    /// later would bring the deleted item back. The replicator computes such a horizon from what
    /// every region has acknowledged, minus a grace period (see `docs/replication.md`).
    ///
    /// Each tombstone is re-read under its item's lock stripe and removed only if unchanged. A
    /// synced purge makes every earlier write durable, even when it removes nothing.
    ///
    /// - Throws: engine errors.
    @discardableResult
    public func purgeTombstones(before horizon: HybridTimestamp, limit: Int = .max, durability: Durability) throws -> Int {
        try checkOpen()
        let tables = catalog.withLock { Array($0.tables.values) }.filter { $0.global != nil }
        var purged = 0
        for table in tables where purged < limit {
            var start = table.tombstonePrefix
            let upper = KeyLayout.end(of: table.tombstonePrefix)
            while purged < limit {
                let rows = try store.scan(lowerBound: start, upperBound: upper, limit: 256)
                guard let last = rows.last else { break }
                var due: [[UInt8]] = []
                for (key, value) in rows where try StampEntry.decode(value).stamp.time < horizon { due.append(key) }
                due = Array(due.prefix(limit - purged))
                purged += try purgeTombstones(due, table: table, horizon: horizon, durability: durability)
                if rows.count < 256 { break }
                start = last.key + [0]
            }
        }
        // As every synced request: success means every earlier write is durable.
        if purged == 0 && durability == .synced { try store.sync() }
        return purged
    }

    private func purgeTombstones(_ keys: [[UInt8]], table: TableSchema, horizon: HybridTimestamp, durability: Durability) throws -> Int {
        guard !keys.isEmpty else { return 0 }
        let itemKeys = keys.map { table.basePrefix + $0[table.tombstonePrefix.count...] }
        return try stripes.withLocks(itemKeys.map { stripes.stripe(tableName: table.name, itemKey: $0) }) {
            var batch = WriteBatch()
            for key in keys {
                guard let value = try store.get(key), try StampEntry.decode(value).stamp.time < horizon else { continue }
                batch.delete(key)
            }
            if !batch.isEmpty { try store.write(batch, durability: durability) }
            return batch.count
        }
    }
}
