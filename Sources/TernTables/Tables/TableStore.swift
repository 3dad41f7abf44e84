import Synchronization
import TernEngine

/// DynamoDB-style tables on a TernEngine `Store`: the synchronous core of the table layer.
///
/// ```swift
/// let tables = try TableStore.open(at: "data", storeOptions: StoreOptions(), clock: .system)
/// try tables.createTableIfNotExists(usersTable, durability: .synced)
/// try tables.putItem(PutItemRequest(tableName: "Users", item: user), durability: .synced)
/// let page = try tables.query(QueryRequest(tableName: "Users", keyConditionExpression: "email = :e",
///                                          expressionAttributeValues: [":e": .string("a@b.c")]))
/// ```
///
/// Requests and responses mirror DynamoDB's (`PutItemRequest` ↔ PutItem), so an HTTP layer maps
/// JSON to them one to one. Client errors are `DynamoError`s named as DynamoDB names them; storage
/// failures are the engine's `TernError`.
///
/// **Durability** is an explicit parameter of every write (`.synced` returns after the engine's
/// WAL is fsynced, `.buffered` may lose a suffix of writes in a power cut). A synced write that
/// succeeds makes every earlier write durable too, even when it changed nothing itself. The request types
/// carry none: a DynamoDB-compatible front end passes `TableStore.wireDurability` (`.synced`,
/// because DynamoDB acknowledges only durable writes).
///
/// **Atomicity**: a write of an item and all its index entries is one engine batch, so no reader
/// ever sees an index entry without its item. BatchWriteItem and TransactWriteItems are one batch
/// each. **Isolation**: reads run at one engine snapshot per request; writes that read the stored
/// item (conditions, updates, index maintenance) hold the item's lock stripe (`LockStripes`) from
/// the read to the write, so conditional writes and transactions are atomic with respect to each
/// other.
///
/// Thread safety: every method may be called from any thread concurrently.
public final class TableStore: Sendable {
    /// The durability a DynamoDB-compatible front end uses for writes: DynamoDB acknowledges a
    /// write only once it is durable.
    public static let wireDurability: Durability = .synced

    /// The engine store holding the tables (its keys are laid out as `docs/tables.md` describes).
    public let store: Store
    let clock: TableClock
    let stripes = LockStripes()
    /// Readers of repeated request shapes (projection text and names), built once.
    let readerCache = ReaderCache()
    /// Request latencies and the purger's counts (no-op unless the store's options name a
    /// metrics factory).
    let metrics: TableMetrics
    let catalog: Mutex<CatalogState>
    /// The TTL purger `open` started, until `close()`.
    private let ownPurger = Mutex<TimeToLivePurger?>(nil)
    /// Whether `open` opened `store` for this table store (then releasing the table store
    /// without `close()` closes it, so its directory lock is not held until the process ends).
    private let ownsStore: Bool

    struct CatalogState: Sendable {
        var tables: [String: TableSchema]
        var nextTableID: UInt32
        /// The region this store is a replica of (nil until set: no table can be global).
        var region: RegionID?
        /// When this store became a replica of `region` (a clock value): tells a peer this store
        /// from an earlier or later one under the same region name (one restored from a backup,
        /// or re-created), whose change feeds are different histories.
        var incarnation: UInt64 = 0
    }

    /// The version of the catalog header (`[0][1]` → version, next table id).
    static let catalogHeaderVersion: UInt8 = 1

    /// How often the TTL purger that `open` starts looks for expired items, by default.
    public static let defaultPurgeInterval: Duration = .seconds(60)

    /// Opens (or creates) a store at `directory` and the tables in it, and starts purging expired
    /// items in the background (TTL: expired items are invisible at once, and their storage is
    /// reclaimed within about `ttlPurgeInterval`).
    ///
    /// With `storeOptions.readOnly`, the tables are opened as they are on disk, nothing is
    /// written (no purger, no completion of an interrupted DeleteTable), no lock is taken, and
    /// every write fails with the engine's `.readOnly`: for looking at a store another process
    /// is using.
    ///
    /// - Parameters:
    ///   - clock: the time source for TTL and creation times (`.system` in production).
    ///   - ttlPurgeInterval: the pause between purges; nil starts no purger (call `purgeExpired`
    ///     yourself, or start a `TimeToLivePurger`). The purger stops at `close()`, or when the
    ///     store is released.
    /// - Throws: the engine's `TernError` (I/O, corruption, a newer format).
    public static func open(
        at directory: String, storeOptions: StoreOptions, clock: TableClock,
        ttlPurgeInterval: Duration? = TableStore.defaultPurgeInterval
    ) throws -> TableStore {
        let store = try Store.open(at: directory, options: storeOptions)
        let tables: TableStore
        do {
            tables = try TableStore(store: store, clock: clock, ownsStore: true)
        } catch {
            try? store.close()
            throw error
        }
        if let ttlPurgeInterval, !store.isReadOnly { tables.startPurger(interval: ttlPurgeInterval) }
        return tables
    }

    /// Starts the store's own purger. It holds the store weakly, so releasing the store stops it.
    private func startPurger(interval: Duration) {
        let purger = TimeToLivePurger(interval: interval, chunkLimit: 1000) { [weak self] limit in
            guard let self else { return nil }
            do {
                let purged = try self.purgeExpired(limit: limit, durability: .buffered)
                self.metrics.purgedItems.increment(by: purged)
                return purged
            } catch {
                self.metrics.purgeErrors.increment()
                self.store.logger.error("purging expired items failed; retrying at the next interval",
                                        metadata: ["directory": "\(self.store.directory)", "error": "\(error)"])
                throw error
            }
        }
        ownPurger.withLock { $0 = purger }
    }

    /// Items the store's own purger (started by `open`) has purged; 0 without one.
    public var purgedTotal: Int { ownPurger.withLock { $0?.purgedTotal ?? 0 } }

    /// The tables of an open `store`: loads the catalog and finishes any interrupted DeleteTable
    /// (removing the data of dropped table incarnations).
    ///
    /// - Throws: `TernError` `.unsupportedFormat` for a catalog written by a newer version,
    ///   `.corruption` for a damaged one, or an engine error.
    public convenience init(store: Store, clock: TableClock) throws {
        try self.init(store: store, clock: clock, ownsStore: false)
    }

    private init(store: Store, clock: TableClock, ownsStore: Bool) throws {
        self.store = store
        self.clock = clock
        self.ownsStore = ownsStore
        self.metrics = TableMetrics(store)
        var tables: [String: TableSchema] = [:]
        var nextTableID: UInt32 = 1
        if let header = try store.get(KeyLayout.catalogHeaderKey) {
            guard header.count == 5 else { throw TernError(.corruption, "catalog header of \(header.count) bytes") }
            guard header[0] == TableStore.catalogHeaderVersion else {
                throw TernError(.unsupportedFormat, "catalog version \(header[0]) is not \(TableStore.catalogHeaderVersion)")
            }
            nextTableID = header[1...].reduce(0) { $0 << 8 | UInt32($1) }
        }
        let tablesPrefix = KeyLayout.prefix(table: KeyLayout.catalogTableID, index: KeyLayout.catalogTablesIndex)
        for (key, value) in try store.scan(lowerBound: tablesPrefix, upperBound: KeyLayout.end(of: tablesPrefix)) {
            let stored = try CatalogRecord.decode(value)
            guard key == KeyLayout.catalogKey(stored.description.tableName), stored.description.tableID < nextTableID else {
                throw TernError(.corruption, "catalog record for \(stored.description.tableName) under the wrong key or id")
            }
            tables[stored.description.tableName] = TableSchema(stored)
        }
        let (region, incarnation) = try TableStore.loadRegion(store)
        try TableStore.loadGlobalRecords(store, region: region, into: &tables)
        catalog = Mutex(CatalogState(tables: tables, nextTableID: nextTableID, region: region, incarnation: incarnation))
        // A read-only store cannot finish them; the tables it lists are right regardless (a
        // dropped table's catalog record is gone, only its data waits to be removed).
        if !store.isReadOnly { try finishDrops() }
    }

    /// Stops the TTL purger (waiting for a purge in progress) and closes the underlying store.
    /// Requests after this, reads included, fail with the engine's `.closed`.
    ///
    /// A table store from `open` that is released without `close()` closes itself (buffered
    /// writes reach the operating system, the directory lock is released); errors of that close
    /// go unreported, so prefer calling `close()`.
    public func close() throws {
        ownPurger.withLock { $0.take() }?.stop()
        try store.close()
    }

    deinit {
        ownPurger.withLock { $0.take() }?.stop()
        if ownsStore { try? store.close() }
    }

    // MARK: - Lookups and locking

    /// The current schema of `name`.
    ///
    /// - Throws: `TernError` `.closed` once the store is closed (every request starts here or at
    ///   `checkOpen`, so a closed store answers nothing, not even from the in-memory catalog);
    ///   `ResourceNotFoundException`.
    func table(_ name: String) throws -> TableSchema {
        try checkOpen()
        guard let table = catalog.withLock({ $0.tables[name] }) else { throw TableStore.notFound(name) }
        return table
    }

    /// Throws `TernError` `.closed` when the store (or the engine store under it) is closed.
    func checkOpen() throws {
        try store.checkOpen()
    }

    static func notFound(_ name: String) -> DynamoError {
        DynamoError(.resourceNotFound, "Requested resource not found: Table: \(name) not found")
    }

    /// The current instant as a number, for TTL checks (one clock read per request).
    func now() -> Number {
        Number(Int(clock.nowEpochSeconds()))
    }

    /// Runs `body` holding the lock stripes of the given items, after checking that each table is
    /// still the incarnation the request resolved (a concurrent DeleteTable holds every stripe).
    func withItemLocks<T>(_ items: [(table: TableSchema, itemKey: [UInt8])], _ body: () throws -> T) throws -> T {
        let ids = items.map { stripes.stripe(tableName: $0.table.name, itemKey: $0.itemKey) }
        return try stripes.withLocks(ids) {
            for (table, _) in items {
                let current = catalog.withLock { $0.tables[table.name] }
                guard current?.id == table.id else { throw TableStore.notFound(table.name) }
            }
            return try body()
        }
    }

    /// Writes `batch` with `durability`. A synced request that changes nothing still syncs the
    /// log (`Store.sync()`): every synced request that succeeds makes all earlier writes durable,
    /// whether or not it wrote anything itself.
    func commit(_ batch: WriteBatch, durability: Durability) throws {
        if batch.isEmpty {
            guard durability == .synced else { return }
            try store.sync()
        } else {
            try store.write(batch, durability: durability)
        }
    }

    /// The stored item under `itemKey` (expired or not), read at the latest state.
    func storedItem(_ itemKey: [UInt8], snapshot: ReadSnapshot? = nil) throws -> Item? {
        guard let bytes = try store.get(itemKey, snapshot: snapshot) else { return nil }
        return try ItemCodec.decode(bytes)
    }
}
