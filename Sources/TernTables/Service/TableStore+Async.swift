import TernEngine

/// The async face of `TableStore`, and its conformance to `TableService` / `GeoTableService`.
///
/// Every operation runs the synchronous core on the engine's dedicated thread pool
/// (`StoreOptions.threadPool`), never on Swift's cooperative pool. In an `async` function these
/// overloads are the ones Swift picks (`try await tables.putItem(...)`); synchronous code keeps
/// the synchronous core.
///
/// A `.synced` write is written with buffered durability on a pool thread, with the item's lock
/// stripe held as usual, and then waits, holding no thread and no lock, for a WAL sync that
/// started after it (`Store.writeThenSync`). Concurrent synced writers from any number of tasks
/// therefore share syncs, as synchronous writers on many threads do. The difference from the
/// synchronous path is invisible to other requests: a reader may already see a synced write
/// before its sync returns in both, and a later write of the same item that commits after it
/// is durable only after it (the WAL is sequential).
///
/// Cancellation: a task cancelled before its request reaches a pool thread gets
/// `CancellationError` and the request is not applied; a request that started runs to the end.
extension TableStore: GeoTableService {
    /// Opens (or creates) a table store on a thread of `storeOptions.threadPool`: the async
    /// form of `open(at:storeOptions:clock:ttlPurgeInterval:)`.
    public static func open(
        at directory: String, storeOptions: StoreOptions, clock: TableClock,
        ttlPurgeInterval: Duration? = TableStore.defaultPurgeInterval
    ) async throws -> TableStore {
        try await storeOptions.threadPool.run {
            try TableStore.open(at: directory, storeOptions: storeOptions, clock: clock, ttlPurgeInterval: ttlPurgeInterval)
        }
    }

    /// Stops the purger and closes the store off the cooperative pool; see `close()`.
    public func close() async throws {
        try await read { try self.close() }
    }

    // MARK: Tables

    /// CreateTable; see `createTable(_:durability:)`.
    @discardableResult
    public func createTable(_ request: CreateTableRequest, durability: Durability) async throws -> CreateTableResponse {
        try await write(durability) { try self.createTable(request, durability: $0) }
    }

    /// CreateTable unless the table exists (atomically); see `createTableIfNotExists(_:durability:)`.
    @discardableResult
    public func createTableIfNotExists(_ request: CreateTableRequest, durability: Durability) async throws -> CreateTableResponse {
        try await write(durability) { try self.createTableIfNotExists(request, durability: $0) }
    }

    /// DeleteTable; see `deleteTable(_:durability:)`.
    @discardableResult
    public func deleteTable(_ request: DeleteTableRequest, durability: Durability) async throws -> DeleteTableResponse {
        try await write(durability) { try self.deleteTable(request, durability: $0) }
    }

    /// DescribeTable; see `describeTable(_:)`.
    public func describeTable(_ request: DescribeTableRequest) async throws -> DescribeTableResponse {
        try await read { try self.describeTable(request) }
    }

    /// ListTables; see `listTables(_:)`.
    public func listTables(_ request: ListTablesRequest) async throws -> ListTablesResponse {
        try await read { try self.listTables(request) }
    }

    /// UpdateTimeToLive; see `updateTimeToLive(_:durability:)`.
    @discardableResult
    public func updateTimeToLive(_ request: UpdateTimeToLiveRequest, durability: Durability) async throws -> UpdateTimeToLiveResponse {
        try await write(durability) { try self.updateTimeToLive(request, durability: $0) }
    }

    /// DescribeTimeToLive; see `describeTimeToLive(tableName:)`.
    public func describeTimeToLive(_ request: DescribeTimeToLiveRequest) async throws -> DescribeTimeToLiveResponse {
        try await read { DescribeTimeToLiveResponse(timeToLiveSpecification: try self.describeTimeToLive(tableName: request.tableName)) }
    }

    /// Purges expired items; see `purgeExpired(limit:durability:)`.
    @discardableResult
    public func purgeExpired(limit: Int = .max, durability: Durability) async throws -> Int {
        try await write(durability) { try self.purgeExpired(limit: limit, durability: $0) }
    }

    // MARK: Items

    /// PutItem; see `putItem(_:durability:)`.
    @discardableResult
    public func putItem(_ request: PutItemRequest, durability: Durability) async throws -> PutItemResponse {
        try await write(durability) { try self.putItem(request, durability: $0) }
    }

    /// GetItem; see `getItem(_:)`.
    public func getItem(_ request: GetItemRequest) async throws -> GetItemResponse {
        try await read { try self.getItem(request) }
    }

    /// DeleteItem; see `deleteItem(_:durability:)`.
    @discardableResult
    public func deleteItem(_ request: DeleteItemRequest, durability: Durability) async throws -> DeleteItemResponse {
        try await write(durability) { try self.deleteItem(request, durability: $0) }
    }

    /// UpdateItem; see `updateItem(_:durability:)`.
    @discardableResult
    public func updateItem(_ request: UpdateItemRequest, durability: Durability) async throws -> UpdateItemResponse {
        try await write(durability) { try self.updateItem(request, durability: $0) }
    }

    /// One Query page; see `query(_:)`, and `queryPages` / `queryItems` for every page.
    public func query(_ request: QueryRequest) async throws -> QueryResponse {
        try await read { try self.query(request) }
    }

    /// One Scan page; see `scan(_:)`, and `scanPages` / `scanItems` for every page.
    public func scan(_ request: ScanRequest) async throws -> ScanResponse {
        try await read { try self.scan(request) }
    }

    /// One `nearby` page; see `nearby(_:)`, and `nearbyPages` / `nearbyItems` for every page.
    public func nearby(_ request: NearbyRequest) async throws -> NearbyResponse {
        try await read { try self.nearby(request) }
    }

    /// BatchGetItem; see `batchGetItem(_:)`.
    public func batchGetItem(_ request: BatchGetItemRequest) async throws -> BatchGetItemResponse {
        try await read { try self.batchGetItem(request) }
    }

    /// BatchWriteItem; see `batchWriteItem(_:durability:)`.
    @discardableResult
    public func batchWriteItem(_ request: BatchWriteItemRequest, durability: Durability) async throws -> BatchWriteItemResponse {
        try await write(durability) { try self.batchWriteItem(request, durability: $0) }
    }

    /// TransactWriteItems; see `transactWriteItems(_:durability:)`.
    public func transactWriteItems(_ request: TransactWriteItemsRequest, durability: Durability) async throws {
        try await write(durability) { try self.transactWriteItems(request, durability: $0) }
    }

    /// TransactGetItems; see `transactGetItems(_:)`.
    public func transactGetItems(_ request: TransactGetItemsRequest) async throws -> TransactGetItemsResponse {
        try await read { try self.transactGetItems(request) }
    }

    // MARK: Running on the pool

    /// Runs a read (or anything that needs no sync) on the pool.
    private func read<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await store.threadPool.run(body)
    }

    /// Runs a write on the pool with buffered durability, then, for `.synced`, waits for a WAL
    /// sync shared with the other async writers (see the type's documentation).
    private func write<T: Sendable>(_ durability: Durability, _ body: @escaping @Sendable (Durability) throws -> T) async throws -> T {
        switch durability {
        case .buffered: try await store.threadPool.run { try body(.buffered) }
        case .synced: try await store.writeThenSync { try body(.buffered) }
        }
    }
}
