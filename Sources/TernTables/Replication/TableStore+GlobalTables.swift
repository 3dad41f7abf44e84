import TernEngine

/// Global tables: the store's region, making a table global (UpdateTable's `ReplicaUpdates`) and
/// the replicated table metadata that creates, updates and detaches replicas in other regions.
extension TableStore {
    /// The region this store is a replica of, once set (`setRegion`).
    public var region: RegionID? { catalog.withLock { $0.region } }

    /// Names the region this store is a replica of (durable: stored in the catalog). Local writes
    /// to global tables are stamped with it. Idempotent for the same name.
    ///
    /// - Throws: `ValidationException` when the store already belongs to another region and holds
    ///   a global table (its stamps name the old region; a store does not change region);
    ///   `TernError` for storage failures.
    public func setRegion(_ region: RegionID, durability: Durability) throws {
        try checkOpen()
        try stripes.withAllLocks {
            try catalog.withLock { state in
                guard state.region != region else { return }
                if let current = state.region, state.tables.values.contains(where: { $0.global != nil }) {
                    throw DynamoError.validation(
                        "This store is the replica of region \(current) and holds global tables; it cannot become region \(region)")
                }
                let incarnation = store.clock.now().rawValue
                var value: [UInt8] = [TableStore.regionFormatVersion]
                StampEntry.appendBigEndian(incarnation, to: &value)
                value.append(contentsOf: region.name.utf8)
                try store.write(singlePut(KeyLayout.regionKey, value), durability: durability)
                state.region = region
                state.incarnation = incarnation
                for (name, table) in state.tables {
                    if var global = table.global {
                        global.localRegion = region
                        state.tables[name] = table.with(global: global)
                    }
                }
            }
        }
    }

    /// The global table record of `tableName`, nil when the table does not replicate.
    ///
    /// - Throws: `ResourceNotFoundException`.
    public func globalTableRecord(_ tableName: String) throws -> GlobalTableRecord? {
        try table(tableName).global?.record
    }

    /// The names of the global tables and their records.
    public func globalTables() throws -> [GlobalTableRecord] {
        try checkOpen()
        return catalog.withLock { $0.tables.values.compactMap { $0.global?.record } }
    }

    /// Changes a table's replicas (DynamoDB's UpdateTable with `ReplicaUpdates`, global tables
    /// version 2019.11.21). The first `Create` makes the table global; each `Create` lists a region
    /// (status `CREATING` until that region has created its replica from the replicated record);
    /// `Delete` removes a region (which then stops replicating the table and keeps its data as a
    /// local table).
    ///
    /// The change is one catalog record written under every lock stripe, so every write after it
    /// is stamped; it reaches the other regions through replication.
    ///
    /// - Throws: `ResourceNotFoundException`; `ValidationException` when the store has no region,
    ///   a region name is invalid or is this store's, a created replica exists already, a deleted
    ///   one does not, or there are no updates; engine errors.
    @discardableResult
    public func updateTable(_ request: UpdateTableRequest, durability: Durability) throws -> UpdateTableResponse {
        guard !request.replicaUpdates.isEmpty else {
            throw DynamoError.validation("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates, SSESpecification or ReplicaUpdates is required")
        }
        try checkOpen()
        let schema: TableSchema = try stripes.withAllLocks {
            try catalog.withLock { state in
                guard let table = state.tables[request.tableName] else { throw TableStore.notFound(request.tableName) }
                guard let region = state.region else {
                    throw DynamoError.validation("Replication is not configured: this store has no region (TableStore.setRegion)")
                }
                let now = store.clock.now()
                var record = table.global?.record ?? GlobalTableRecord(
                    tableName: table.name, id: GlobalTableID(region: region, time: now),
                    stamp: WriteStamp(time: now, region: region), replicas: [region: .active])
                try TableStore.apply(request.replicaUpdates, to: &record, local: region)
                record.stamp = WriteStamp(time: now, region: region)
                try store.write(singlePut(KeyLayout.globalTableKey(table.id), record.encoded()), durability: durability)
                let updated = table.with(global: GlobalTableState(record: record, localRegion: region))
                state.tables[table.name] = updated
                return updated
            }
        }
        return UpdateTableResponse(tableDescription: schema.description)
    }

    private static func apply(_ updates: [ReplicaUpdate], to record: inout GlobalTableRecord, local: RegionID) throws(DynamoError) {
        for update in updates {
            switch update {
            case .create(let name):
                let region = try RegionID(name)
                guard region != local else {
                    throw .validation("Region \(name) is this store's own region: it holds the table already")
                }
                guard record.replicas[region] == nil else {
                    throw .validation("Failed to create a new replica of table \(record.tableName): a replica in region \(name) already exists")
                }
                record.replicas[region] = .creating
            case .delete(let name):
                let region = try RegionID(name)
                guard region != local else {
                    throw .validation("Region \(name) is this store's own region: delete its replica with DeleteTable")
                }
                guard record.replicas[region] != nil else {
                    throw .validation("Failed to delete the replica of table \(record.tableName) in region \(name): it is not a replica")
                }
                record.replicas[region] = nil
            }
        }
    }

    /// The record a region writes when its replica of a global table is deleted.
    func departureRecord(_ global: GlobalTableState) -> GlobalTableRecord {
        var record = global.record
        record.replicas[global.localRegion] = nil
        record.stamp = WriteStamp(time: store.clock.now(), region: global.localRegion)
        return record
    }

    /// Records (durably) whether `peer` needs a full resynchronization from this store: its
    /// stream skipped history (a new peer, or one that fell behind the change feed's retention),
    /// so only anti-entropy can bring it up to date. Until it has, this store makes no horizon
    /// claims to it (tombstones stay).
    public func setResyncPending(_ pending: Bool, for peer: RegionID) throws {
        try checkOpen()
        let key = KeyLayout.resyncKey(peer)
        try store.write(pending ? singlePut(key, []) : singleDelete(key), durability: .synced)
    }

    /// Whether `peer` needs a full resynchronization from this store (`setResyncPending`).
    public func isResyncPending(for peer: RegionID) throws -> Bool {
        try store.get(KeyLayout.resyncKey(peer)) != nil
    }

    func singlePut(_ key: [UInt8], _ value: [UInt8]) -> WriteBatch {
        var batch = WriteBatch()
        batch.put(key, value)
        return batch
    }

    // MARK: - Loading

    /// The version of the region entry (`[0][5]` → `%x01 incarnation:8 name`).
    static let regionFormatVersion: UInt8 = 1

    static func loadRegion(_ store: Store) throws -> (RegionID?, UInt64) {
        guard let bytes = try store.get(KeyLayout.regionKey) else { return (nil, 0) }
        guard bytes.count > 9, bytes[0] == regionFormatVersion else {
            throw TernError(.corruption, "the catalog's region entry has \(bytes.count) bytes, version \(bytes.first ?? 0)")
        }
        let name = String(decoding: bytes[9...], as: UTF8.self)
        guard RegionID.isValid(name) else { throw TernError(.corruption, "the catalog's region name is not valid") }
        return (RegionID(unchecked: name), bytes[1..<9].reduce(0) { $0 << 8 | UInt64($1) })
    }

    /// When this store became a replica of its region (0 before `setRegion`): peers keep what
    /// they received from a store per incarnation, so a store restored from a backup or
    /// re-created under the same region name is not taken for the one they knew.
    public var incarnation: UInt64 { catalog.withLock { $0.incarnation } }

    /// Attaches every global table record to its table.
    static func loadGlobalRecords(_ store: Store, region: RegionID?, into tables: inout [String: TableSchema]) throws {
        let prefix = KeyLayout.prefix(table: KeyLayout.catalogTableID, index: KeyLayout.catalogGlobalTablesIndex)
        let byID = Dictionary(tables.values.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for (key, value) in try store.scan(lowerBound: prefix, upperBound: KeyLayout.end(of: prefix)) {
            guard key.count == prefix.count + 4 else { throw TernError(.corruption, "global table key of \(key.count) bytes") }
            let id = key[prefix.count...].reduce(0) { $0 << 8 | UInt32($1) }
            // A record without its table belongs to a dropped incarnation whose removal an
            // earlier process did not finish (`finishDrops` removes it).
            guard let table = byID[id] else { continue }
            let record = try GlobalTableRecord.decode(value)
            guard let region, record.tableName == table.name else {
                throw TernError(.corruption, "global table record of \(table.name) without a store region, or under another name")
            }
            tables[table.name] = table.with(global: GlobalTableState(record: record, localRegion: region))
        }
    }
}

/// One change to a global table's replicas.
public enum ReplicaUpdate: Sendable, Hashable {
    /// Add a replica in the region (`{"Create": {"RegionName": ...}}`).
    case create(regionName: String)
    /// Remove the replica in the region (`{"Delete": {"RegionName": ...}}`).
    case delete(regionName: String)
}

/// UpdateTable: Tern supports its `ReplicaUpdates` (global tables).
public struct UpdateTableRequest: Sendable, Hashable {
    public var tableName: String
    public var replicaUpdates: [ReplicaUpdate]

    public init(tableName: String, replicaUpdates: [ReplicaUpdate]) {
        self.tableName = tableName
        self.replicaUpdates = replicaUpdates
    }
}

/// The table after an UpdateTable.
public struct UpdateTableResponse: Sendable, Hashable {
    public var tableDescription: TableDescription

    public init(tableDescription: TableDescription) {
        self.tableDescription = tableDescription
    }
}
