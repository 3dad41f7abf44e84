import TernEngine

/// What applying a replicated table record did.
public enum TableMetadataOutcome: Sendable, Hashable {
    /// This region created its replica of the table (and announced itself `ACTIVE`).
    case created(tableName: String)
    /// The replica set was updated.
    case updated(tableName: String)
    /// This region is no longer a replica: the table stays here as a local table.
    case detached(tableName: String)
    /// Nothing to do: an older or equal record, or one for a table this region does not hold
    /// and is not listed for.
    case ignored(tableName: String)
    /// This region is listed but cannot create the replica: a local table of that name exists
    /// (DynamoDB requires the replica not to exist), or the record came without a definition.
    case refused(tableName: String, reason: String)
}

extension TableStore {
    /// Applies a replicated global table record (last writer wins on the record's stamp):
    /// - listing this region, for a table it does not hold: creates the replica (same
    ///   definition and index ids, a table id of this store's own), then writes the record
    ///   with this region `ACTIVE` under a new local stamp, so every region learns of it;
    /// - for the replica it holds: adopts the newer record (announcing itself `ACTIVE` when
    ///   the record still says `CREATING`);
    /// - no longer listing this region: detaches the table (it stays, as a local table, without
    ///   stamps and tombstones).
    ///
    /// Holds every lock stripe while it changes the catalog.
    ///
    /// - Throws: `TernError` for a malformed definition or storage failures.
    public func applyTableMetadata(_ change: TableMetadataChange, durability: Durability) throws -> TableMetadataOutcome {
        try checkOpen()
        let record = change.record
        store.clock.observe(record.stamp.time)
        let name = record.tableName
        let (outcome, detached) = try stripes.withAllLocks { () throws -> (TableMetadataOutcome, TableSchema?) in
            try catalog.withLock { state in
                guard let region = state.region else {
                    return (.refused(tableName: name, reason: "this store has no region"), nil)
                }
                let listed = record.replicas[region] != nil
                guard let table = state.tables[name] else {
                    guard listed else { return (.ignored(tableName: name), nil) }
                    guard let definition = change.definition else {
                        return (.refused(tableName: name, reason: "the record came without the table's definition"), nil)
                    }
                    state.tables[name] = try createReplica(record, definition: definition, region: region, state: &state, durability: durability)
                    return (.created(tableName: name), nil)
                }
                guard let global = table.global, global.record.id == record.id else {
                    guard listed else { return (.ignored(tableName: name), nil) }
                    return (.refused(tableName: name, reason: "a table named \(name) exists here and is not that global table's replica"), nil)
                }
                guard record.stamp > global.record.stamp else { return (.ignored(tableName: name), nil) }
                guard listed else {
                    try store.write(singleDelete(KeyLayout.globalTableKey(table.id)), durability: durability)
                    let local = table.with(global: nil)
                    state.tables[name] = local
                    return (.detached(tableName: name), local)
                }
                var adopted = record
                if adopted.replicas[region] != .active {
                    adopted.replicas[region] = .active
                    adopted.stamp = WriteStamp(time: store.clock.now(), region: region)
                }
                try store.write(singlePut(KeyLayout.globalTableKey(table.id), adopted.encoded()), durability: durability)
                state.tables[name] = table.with(global: GlobalTableState(record: adopted, localRegion: region))
                return (.updated(tableName: name), nil)
            }
        }
        if let detached {
            // Stamps and tombstones of a table that no longer replicates are dead weight.
            for index in [KeyLayout.stampIndexID, KeyLayout.tombstoneIndexID] {
                let prefix = KeyLayout.prefix(table: detached.id, index: index)
                try deleteRange(lower: prefix, upper: KeyLayout.end(of: prefix))
            }
        }
        return outcome
    }

    /// Creates this region's replica of a global table. REQUIRES: every stripe and the catalog
    /// lock held (`state` is the catalog).
    private func createReplica(
        _ record: GlobalTableRecord, definition: [UInt8], region: RegionID, state: inout CatalogState, durability: Durability
    ) throws -> TableSchema {
        var stored = try CatalogRecord.decode(definition)
        guard stored.description.tableName == record.tableName else {
            throw TernError(.corruption, "a replicated definition of \(stored.description.tableName) under the record of \(record.tableName)")
        }
        let id = state.nextTableID
        guard id < UInt32.max else { throw DynamoError(.validation, "The store has used every table id") }
        stored.description.tableID = id
        stored.description.tableStatus = .active
        var adopted = record
        adopted.replicas[region] = .active
        adopted.stamp = WriteStamp(time: store.clock.now(), region: region)
        var batch = WriteBatch()
        batch.put(KeyLayout.catalogKey(record.tableName), CatalogRecord.encode(stored))
        var header: [UInt8] = [TableStore.catalogHeaderVersion]
        CatalogRecord.appendUInt32(id + 1, to: &header)
        batch.put(KeyLayout.catalogHeaderKey, header)
        batch.put(KeyLayout.globalTableKey(id), adopted.encoded())
        try store.write(batch, durability: durability)
        state.nextTableID = id + 1
        return TableSchema(stored, global: GlobalTableState(record: adopted, localRegion: region))
    }
}
