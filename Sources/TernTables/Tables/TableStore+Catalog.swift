import TernEngine

/// CreateTable, DeleteTable, DescribeTable, ListTables, UpdateTimeToLive.
extension TableStore {
    /// Creates a table and its indexes, `ACTIVE` on return.
    ///
    /// The table gets a table id never used before (ids are not reused), so a table re-created
    /// under a deleted table's name starts empty.
    ///
    /// - Throws: `ValidationException` for a bad definition (rule 3 and DynamoDB's other checks),
    ///   `ResourceInUseException` when the name is taken; engine errors.
    /// - Thread safety: catalog changes are serialized; items of other tables are unaffected.
    @discardableResult
    public func createTable(_ request: CreateTableRequest, durability: Durability) throws -> CreateTableResponse {
        try createTable(request, ifNotExists: false, durability: durability)
    }

    /// Creates the table unless one of that name exists already, atomically (no other
    /// CreateTable or DeleteTable of the store runs in between): the form to call at every start
    /// of an application that declares its tables.
    ///
    /// - Returns: the new table's description, or the existing table's when it has the same keys,
    ///   attribute definitions and indexes (capacity, billing mode and TTL are not compared).
    /// - Throws: `ResourceInUseException` when the existing table differs; as `createTable`.
    @discardableResult
    public func createTableIfNotExists(_ request: CreateTableRequest, durability: Durability) throws -> CreateTableResponse {
        try createTable(request, ifNotExists: true, durability: durability)
    }

    private func createTable(_ request: CreateTableRequest, ifNotExists: Bool, durability: Durability) throws -> CreateTableResponse {
        let started = metrics.start()
        defer { metrics.record(.createTable, since: started) }
        try checkOpen()
        let now = clock.nowEpochSeconds()
        return try catalog.withLock { state in
            let id = state.nextTableID
            guard id < UInt32.max else { throw DynamoError(.validation, "The store has used every table id") }
            let stored = try TableValidation.validate(request, tableID: id, now: now)
            if let existing = state.tables[request.tableName] {
                guard ifNotExists else { throw DynamoError(.resourceInUse, "Table already exists: \(request.tableName)") }
                try TableDefinitionMatch.check(existing.description, against: request)
                if durability == .synced { try store.sync() }
                return CreateTableResponse(tableDescription: existing.description)
            }
            var batch = WriteBatch()
            batch.put(KeyLayout.catalogKey(request.tableName), CatalogRecord.encode(stored))
            var header: [UInt8] = [TableStore.catalogHeaderVersion]
            CatalogRecord.appendUInt32(id + 1, to: &header)
            batch.put(KeyLayout.catalogHeaderKey, header)
            try store.write(batch, durability: durability)
            state.nextTableID = id + 1
            state.tables[request.tableName] = TableSchema(stored)
            return CreateTableResponse(tableDescription: stored.description)
        }
    }

    /// Deletes a table, its indexes and all their data.
    ///
    /// The catalog change is one batch (with a pending-deletion marker); from then on the table is
    /// gone for every request. The data is then removed before returning; if the process dies
    /// first, the next open finishes the removal.
    ///
    /// - Returns: the table's description with status `DELETING`.
    /// - Throws: `ResourceNotFoundException`; engine errors.
    /// - Thread safety: waits for in-flight writes to every table (it takes every lock stripe
    ///   while it changes the catalog); reads continue at their snapshots.
    @discardableResult
    public func deleteTable(_ request: DeleteTableRequest, durability: Durability) throws -> DeleteTableResponse {
        let started = metrics.start()
        defer { metrics.record(.deleteTable, since: started) }
        let table: TableSchema = try stripes.withAllLocks {
            try catalog.withLock { state in
                guard let table = state.tables[request.tableName] else { throw TableStore.notFound(request.tableName) }
                var batch = WriteBatch()
                batch.delete(KeyLayout.catalogKey(request.tableName))
                batch.put(KeyLayout.dropKey(table.id), [])
                if let global = table.global {
                    // The other replicas learn that this region left (a replicated record
                    // without it); `clearTable` removes the record with the data.
                    batch.put(KeyLayout.globalTableKey(table.id), departureRecord(global).encoded())
                }
                try store.write(batch, durability: durability)
                state.tables[request.tableName] = nil
                return table
            }
        }
        try clearTable(table.id)
        var description = table.description
        description.tableStatus = .deleting
        return DeleteTableResponse(tableDescription: description)
    }

    /// Describes a table.
    ///
    /// - Throws: `ResourceNotFoundException`; `TernError` `.closed`.
    /// - Thread safety: reads the in-memory catalog under a short lock.
    public func describeTable(_ request: DescribeTableRequest) throws -> DescribeTableResponse {
        let started = metrics.start()
        defer { metrics.record(.describeTable, since: started) }
        return DescribeTableResponse(table: try table(request.tableName).description)
    }

    /// Lists table names in ascending UTF-8 byte order, a page at a time.
    ///
    /// - Throws: `ValidationException` for a limit outside 1...100; `TernError` `.closed`.
    /// - Thread safety: reads the in-memory catalog under a short lock.
    public func listTables(_ request: ListTablesRequest) throws -> ListTablesResponse {
        let started = metrics.start()
        defer { metrics.record(.listTables, since: started) }
        try checkOpen()
        let limit = request.limit ?? 100
        guard (1...100).contains(limit) else {
            throw DynamoError.validation(
                "1 validation error detected: Value '\(limit)' at 'limit' failed to satisfy constraint: Member must have value \(limit < 1 ? "greater than or equal to 1" : "less than or equal to 100")")
        }
        var names = ByteOrder.sortedStrings(catalog.withLock { Array($0.tables.keys) })
        if let start = request.exclusiveStartTableName {
            names = names.filter { ByteOrder.compare($0, start) > 0 }
        }
        let page = Array(names.prefix(limit))
        return ListTablesResponse(tableNames: page, lastEvaluatedTableName: names.count > limit ? page.last : nil)
    }

    /// Removes every key of table incarnation `id` in chunks, then its pending-deletion marker.
    func clearTable(_ id: UInt32) throws {
        let range = KeyLayout.tableRange(id)
        try deleteRange(lower: range.lower, upper: range.upper)
        var batch = singleDelete(KeyLayout.globalTableKey(id))
        batch.delete(KeyLayout.dropKey(id))
        try store.write(batch, durability: .buffered)
    }

    /// Deletes every key in `[lower, upper)`, a chunk of keys per engine batch.
    ///
    /// Buffered: the caller's marker, written before, survives a crash with or without these
    /// deletes, and its removal (written after them) cannot survive without them.
    func deleteRange(lower: [UInt8], upper: [UInt8]?) throws {
        let chunkSize = 1024
        var start = lower
        while true {
            // Resume after the last deleted key: scanning from `lower` again would step over every
            // tombstone already written (quadratic in the table size).
            let keys = try store.scan(lowerBound: start, upperBound: upper, limit: chunkSize).map(\.key)
            guard let last = keys.last else { return }
            var batch = WriteBatch()
            for key in keys { batch.delete(key) }
            try store.write(batch, durability: .buffered)
            if keys.count < chunkSize { return }
            start = last + [0]
        }
    }

    func singleDelete(_ key: [UInt8]) -> WriteBatch {
        var batch = WriteBatch()
        batch.delete(key)
        return batch
    }

    /// Finishes the DeleteTables and TTL changes an earlier process did not complete.
    func finishDrops() throws {
        let dropsPrefix = KeyLayout.prefix(table: KeyLayout.catalogTableID, index: KeyLayout.catalogDropsIndex)
        for (key, _) in try store.scan(lowerBound: dropsPrefix, upperBound: KeyLayout.end(of: dropsPrefix)) {
            guard key.count == dropsPrefix.count + 4 else { throw TernError(.corruption, "pending deletion marker of \(key.count) bytes") }
            let id = key[dropsPrefix.count...].reduce(0) { $0 << 8 | UInt32($1) }
            try clearTable(id)
        }
        try finishRebuilds()
    }
}
