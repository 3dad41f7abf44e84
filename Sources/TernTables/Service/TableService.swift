// Durability is part of every write's signature; re-exported so that code written against
// `TableService` needs `import TernTables` only.
@_exported import enum TernEngine.Durability

/// DynamoDB's table operations as one async Swift API, over interchangeable backends: the
/// embedded `TableStore`, or (planned) a remote client for any DynamoDB-API endpoint (a Tern
/// node, DynamoDB, ScyllaDB Alternator). Code written against `some TableService` moves between
/// them by configuration.
///
/// ```swift
/// struct Profile: Codable { var email: String; var name: String }
///
/// func loadProfile(_ tables: some TableService, email: String) async throws -> Profile? {
///     try await tables.get(Profile.self, from: "Users", key: ["email": .string(email)])
/// }
/// ```
///
/// Requests, responses and errors are TernTables' own (`PutItemRequest`, `QueryResponse`,
/// `DynamoError`, ...), shaped and named like DynamoDB's, so an implementation over HTTP maps
/// them to the wire one to one. Nothing of the storage engine appears here but `Durability`.
///
/// **Durability.** Every write names one. `.synced` returns after the write is durable;
/// `.buffered` may lose a suffix of writes in a crash. A backend may be more durable than asked
/// (DynamoDB acknowledges only durable writes, so a remote client treats both alike), never less.
///
/// **Errors.** Client errors are `DynamoError`s (`ValidationException`,
/// `ConditionalCheckFailedException`, `ResourceNotFoundException`, ...); a backend's own
/// failures (the embedded engine's `TernError`, a transport error) pass through as they are.
///
/// **Paging.** `queryPages`, `scanPages`, `queryItems`, `scanItems` (and `nearbyPages`,
/// `nearbyItems` on a `GeoTableService`) walk every page as an `AsyncSequence`, checking for
/// cancellation before each page.
public protocol TableService: Sendable {
    /// Creates a table and its indexes (DynamoDB's CreateTable).
    @discardableResult
    func createTable(_ request: CreateTableRequest, durability: Durability) async throws -> CreateTableResponse
    /// Creates the table unless one of that name exists; see `TableStore.createTableIfNotExists`.
    ///
    /// - Returns: the new table's description, or the existing table's.
    /// - Throws: `ResourceInUseException` when the existing table's keys or indexes differ from
    ///   the request's; as `createTable` otherwise.
    @discardableResult
    func createTableIfNotExists(_ request: CreateTableRequest, durability: Durability) async throws -> CreateTableResponse
    /// Deletes a table and its data (DynamoDB's DeleteTable).
    @discardableResult
    func deleteTable(_ request: DeleteTableRequest, durability: Durability) async throws -> DeleteTableResponse
    /// Describes a table (DynamoDB's DescribeTable).
    func describeTable(_ request: DescribeTableRequest) async throws -> DescribeTableResponse
    /// Lists table names, a page at a time (DynamoDB's ListTables).
    func listTables(_ request: ListTablesRequest) async throws -> ListTablesResponse
    /// Sets a table's TTL attribute (DynamoDB's UpdateTimeToLive).
    @discardableResult
    func updateTimeToLive(_ request: UpdateTimeToLiveRequest, durability: Durability) async throws -> UpdateTimeToLiveResponse
    /// A table's TTL setting (DynamoDB's DescribeTimeToLive).
    func describeTimeToLive(_ request: DescribeTimeToLiveRequest) async throws -> DescribeTimeToLiveResponse

    /// Stores a whole item (DynamoDB's PutItem).
    @discardableResult
    func putItem(_ request: PutItemRequest, durability: Durability) async throws -> PutItemResponse
    /// Reads one item (DynamoDB's GetItem).
    func getItem(_ request: GetItemRequest) async throws -> GetItemResponse
    /// Deletes one item (DynamoDB's DeleteItem).
    @discardableResult
    func deleteItem(_ request: DeleteItemRequest, durability: Durability) async throws -> DeleteItemResponse
    /// Updates (or creates) one item (DynamoDB's UpdateItem).
    @discardableResult
    func updateItem(_ request: UpdateItemRequest, durability: Durability) async throws -> UpdateItemResponse
    /// Reads one page of one partition (DynamoDB's Query).
    func query(_ request: QueryRequest) async throws -> QueryResponse
    /// Reads one page of a table or index (DynamoDB's Scan).
    func scan(_ request: ScanRequest) async throws -> ScanResponse
    /// Reads up to 100 items from several tables (DynamoDB's BatchGetItem).
    func batchGetItem(_ request: BatchGetItemRequest) async throws -> BatchGetItemResponse
    /// Writes up to 25 puts and deletes (DynamoDB's BatchWriteItem).
    @discardableResult
    func batchWriteItem(_ request: BatchWriteItemRequest, durability: Durability) async throws -> BatchWriteItemResponse
    /// Applies up to 100 conditional writes, all or none (DynamoDB's TransactWriteItems).
    func transactWriteItems(_ request: TransactWriteItemsRequest, durability: Durability) async throws
    /// Reads up to 100 items at one instant (DynamoDB's TransactGetItems).
    func transactGetItems(_ request: TransactGetItemsRequest) async throws -> TransactGetItemsResponse
}

/// A `TableService` that also answers Tern's geohash radius query (`nearby`, an extension of
/// DynamoDB's API; see `NearbyRequest`).
public protocol GeoTableService: TableService {
    /// One page of the items of a table's geohash index within a radius of a point.
    func nearby(_ request: NearbyRequest) async throws -> NearbyResponse
}

extension TableService {
    /// Creates the table unless one of that name exists, from `describeTable` and `createTable`
    /// (a backend that can do it atomically overrides this).
    ///
    /// - Throws: `ResourceInUseException` when the existing table's keys or indexes differ.
    public func createTableIfNotExists(_ request: CreateTableRequest, durability: Durability) async throws -> CreateTableResponse {
        do {
            return try await createTable(request, durability: durability)
        } catch let error as DynamoError where error.code == .resourceInUse {
            let existing = try await describeTable(DescribeTableRequest(tableName: request.tableName)).table
            try TableDefinitionMatch.check(existing, against: request)
            return CreateTableResponse(tableDescription: existing)
        }
    }
}
