import TernEngine

/// Time to live: UpdateTimeToLive, DescribeTimeToLive and the purge of expired items.
///
/// An item whose TTL attribute is a number of epoch seconds strictly before the clock's now is
/// treated as absent by every request at once: reads skip it (base table and indexes, whose entries
/// always store the TTL attribute), conditions see no item, an update starts from the key, a put
/// returns no old item. `purgeExpired` then deletes such items, with their index entries, using
/// the expiry index (`[table id][255][expiry][key]`) so it reads only expired entries.
extension TableStore {
    /// Enables or disables TTL on a table, rebuilding its index entries (they store the TTL
    /// attribute) and its expiry index.
    ///
    /// - Throws: `ResourceNotFoundException`; `ValidationException` when TTL is already in the
    ///   requested state, or when disabling names another attribute; engine errors.
    /// - Thread safety: holds every lock stripe while it runs (writes to all tables wait); reads
    ///   continue.
    @discardableResult
    public func updateTimeToLive(_ request: UpdateTimeToLiveRequest, durability: Durability) throws -> UpdateTimeToLiveResponse {
        let started = metrics.start()
        defer { metrics.record(.updateTimeToLive, since: started) }
        let specification = request.timeToLiveSpecification
        try TableValidation.checkTimeToLive(specification)
        try stripes.withAllLocks {
            let (old, new) = try catalog.withLock { state in
                guard let table = state.tables[request.tableName] else { throw TableStore.notFound(request.tableName) }
                if specification.enabled, table.ttlAttribute != nil { throw DynamoError.validation("TimeToLive is already enabled") }
                if !specification.enabled {
                    guard let current = table.ttlAttribute else { throw DynamoError.validation("TimeToLive is already disabled") }
                    guard current == specification.attributeName else {
                        throw DynamoError.validation("TimeToLive is enabled on attribute \(current), not \(specification.attributeName)")
                    }
                }
                var stored = table.stored
                stored.description.timeToLive = specification
                var batch = WriteBatch()
                batch.put(KeyLayout.catalogKey(request.tableName), CatalogRecord.encode(stored))
                batch.put(KeyLayout.rebuildKey(table.id), [])
                try store.write(batch, durability: durability)
                let schema = TableSchema(stored)
                state.tables[request.tableName] = schema
                return (table, schema)
            }
            try migrateDerivedEntries(from: old, to: new)
            try store.write(singleDelete(KeyLayout.rebuildKey(new.id)), durability: .buffered)
        }
        return UpdateTimeToLiveResponse(timeToLiveSpecification: specification)
    }

    /// The table's TTL setting, or nil when TTL was never configured.
    ///
    /// - Throws: `ResourceNotFoundException`; `TernError` `.closed`.
    public func describeTimeToLive(tableName: String) throws -> TimeToLiveSpecification? {
        let started = metrics.start()
        defer { metrics.record(.describeTimeToLive, since: started) }
        return try table(tableName).description.timeToLive
    }

    /// Deletes expired items (and their index entries), at most `limit` of them, and returns how
    /// many it deleted.
    ///
    /// Call it periodically (the node and the CLI do; tests call it explicitly after moving their
    /// clock). Expired items are already invisible to reads; purging reclaims their space. Each
    /// item is re-read and re-checked under its lock stripe, so an item rewritten with a later
    /// expiry since the expiry entry was read is kept (only the stale expiry entry goes).
    ///
    /// - Throws: engine errors.
    /// - Thread safety: safe with concurrent requests; locks the items of one chunk (up to 256) at
    ///   a time, in ascending stripe order.
    @discardableResult
    public func purgeExpired(limit: Int = .max, durability: Durability) throws -> Int {
        let started = metrics.start()
        defer { metrics.record(.purgeExpired, since: started) }
        let now = now()
        var purged = 0
        let tables = catalog.withLock { Array($0.tables.values) }.filter { $0.ttlAttribute != nil }
        for table in tables where purged < limit {
            var upper = table.expiryPrefix
            KeyEncoding.append(.number(now), to: &upper)
            var start = table.expiryPrefix
            while purged < limit {
                let chunk = min(256, limit - purged)
                let entries = try store.scan(lowerBound: start, upperBound: upper, limit: chunk).map(\.key)
                guard let last = entries.last else { break }
                purged += try purge(entries, table: table, now: now, durability: durability)
                if entries.count < chunk { break }
                start = last + [0]  // past the entries just removed, not over their tombstones again
            }
        }
        return purged
    }

    /// Deletes the items expiry entries point to if they are (still) expired, and the entries,
    /// in one batch under the items' lock stripes. Returns how many items it deleted.
    private func purge(_ entryKeys: [[UInt8]], table: TableSchema, now: Number, durability: Durability) throws -> Int {
        var targets: [(entryKey: [UInt8], primaryKey: PrimaryKey, itemKey: [UInt8])] = []
        for entryKey in entryKeys {
            var offset = table.expiryPrefix.count
            _ = try KeyEncoding.decodeElement(entryKey, offset: &offset)
            let partition = try KeyEncoding.decodeElement(entryKey, offset: &offset)
            let sort = table.key.sortKey == nil ? nil : try KeyEncoding.decodeElement(entryKey, offset: &offset)
            let primaryKey = PrimaryKey(partition: partition, sort: sort)
            targets.append((entryKey, primaryKey, table.itemKey(primaryKey)))
        }
        return try withItemLocks(targets.map { (table, $0.itemKey) }) {
            var batch = WriteBatch()
            var deleted: Set<[UInt8]> = []
            for target in targets {
                if !deleted.contains(target.itemKey), let item = try storedItem(target.itemKey), table.isExpired(item, now: now) {
                    table.appendWrite(old: item, new: nil, primaryKey: target.primaryKey, to: &batch)
                    if let global = currentGlobalState(of: table) { try appendExpiryTombstone(table, global: global, primaryKey: target.primaryKey, to: &batch) }
                    deleted.insert(target.itemKey)
                }
                batch.delete(target.entryKey)
            }
            try commit(batch, durability: durability)
            return deleted.count
        }
    }

    /// Rewrites every item's derived entries from `old`'s layout to `new`'s, a chunk of items per
    /// batch. REQUIRES: every lock stripe held (no concurrent writer).
    private func migrateDerivedEntries(from old: TableSchema, to new: TableSchema) throws {
        var start = new.basePrefix
        let upper = KeyLayout.end(of: new.basePrefix)
        while true {
            let rows = try store.scan(lowerBound: start, upperBound: upper, limit: 256)
            guard let last = rows.last else { return }
            var batch = WriteBatch()
            for (key, value) in rows {
                let item = try ItemCodec.decode(value)
                let suffix = Array(key[new.basePrefix.count...])
                let fresh = new.derivedEntries(of: item, suffix: suffix)
                let kept = Set(fresh.map(\.key))
                for entry in old.derivedEntries(of: item, suffix: suffix) where !kept.contains(entry.key) { batch.delete(entry.key) }
                for entry in fresh { batch.put(entry.key, entry.value) }
            }
            try store.write(batch, durability: .buffered)
            if rows.count < 256 { return }
            start = last.key + [0]
        }
    }

    /// At open: rebuilds the derived entries of tables whose TTL change was interrupted (from
    /// scratch: the old layout is unknown).
    func finishRebuilds() throws {
        let prefix = KeyLayout.prefix(table: KeyLayout.catalogTableID, index: KeyLayout.catalogRebuildsIndex)
        for (key, _) in try store.scan(lowerBound: prefix, upperBound: KeyLayout.end(of: prefix)) {
            guard key.count == prefix.count + 4 else { throw TernError(.corruption, "pending rebuild marker of \(key.count) bytes") }
            let id = key[prefix.count...].reduce(0) { $0 << 8 | UInt32($1) }
            if let table = catalog.withLock({ $0.tables.values.first { $0.id == id } }) {
                try deleteRange(lower: KeyLayout.prefix(table: id, index: 1), upper: KeyLayout.tableRange(id).upper)
                let empty = TableSchema(CatalogRecord.Stored(
                    description: table.description, globalIndexIDs: [], localIndexIDs: [], geohashIndexID: nil))
                try migrateDerivedEntries(from: empty, to: table)
            }
            try store.write(singleDelete(key), durability: .buffered)
        }
    }
}
