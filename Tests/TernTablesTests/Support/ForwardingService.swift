import Synchronization
import TernTables

/// A second implementation of `GeoTableService`, as a remote client would be: it reaches the
/// tables only through the protocol's own types (requests, responses, errors), forwards to a
/// `TableStore`, counts the page reads, and leaves `createTableIfNotExists` to the protocol's
/// default implementation.
final class ForwardingService: GeoTableService {
    let target: TableStore
    private let pageReads = Atomic<Int>(0)

    init(_ target: TableStore) { self.target = target }

    /// How many Query, Scan and nearby pages were read through this service.
    var pagesRead: Int { pageReads.load(ordering: .relaxed) }

    @discardableResult
    func createTable(_ request: CreateTableRequest, durability: Durability) async throws -> CreateTableResponse {
        try await target.createTable(request, durability: durability)
    }
    @discardableResult
    func deleteTable(_ request: DeleteTableRequest, durability: Durability) async throws -> DeleteTableResponse {
        try await target.deleteTable(request, durability: durability)
    }
    func describeTable(_ request: DescribeTableRequest) async throws -> DescribeTableResponse {
        try await target.describeTable(request)
    }
    func listTables(_ request: ListTablesRequest) async throws -> ListTablesResponse { try await target.listTables(request) }
    @discardableResult
    func updateTimeToLive(_ request: UpdateTimeToLiveRequest, durability: Durability) async throws -> UpdateTimeToLiveResponse {
        try await target.updateTimeToLive(request, durability: durability)
    }
    func describeTimeToLive(_ request: DescribeTimeToLiveRequest) async throws -> DescribeTimeToLiveResponse {
        try await target.describeTimeToLive(request)
    }
    @discardableResult
    func putItem(_ request: PutItemRequest, durability: Durability) async throws -> PutItemResponse {
        try await target.putItem(request, durability: durability)
    }
    func getItem(_ request: GetItemRequest) async throws -> GetItemResponse { try await target.getItem(request) }
    @discardableResult
    func deleteItem(_ request: DeleteItemRequest, durability: Durability) async throws -> DeleteItemResponse {
        try await target.deleteItem(request, durability: durability)
    }
    @discardableResult
    func updateItem(_ request: UpdateItemRequest, durability: Durability) async throws -> UpdateItemResponse {
        try await target.updateItem(request, durability: durability)
    }
    func query(_ request: QueryRequest) async throws -> QueryResponse {
        pageReads.add(1, ordering: .relaxed)
        return try await target.query(request)
    }
    func scan(_ request: ScanRequest) async throws -> ScanResponse {
        pageReads.add(1, ordering: .relaxed)
        return try await target.scan(request)
    }
    func nearby(_ request: NearbyRequest) async throws -> NearbyResponse {
        pageReads.add(1, ordering: .relaxed)
        return try await target.nearby(request)
    }
    func batchGetItem(_ request: BatchGetItemRequest) async throws -> BatchGetItemResponse { try await target.batchGetItem(request) }
    @discardableResult
    func batchWriteItem(_ request: BatchWriteItemRequest, durability: Durability) async throws -> BatchWriteItemResponse {
        try await target.batchWriteItem(request, durability: durability)
    }
    func transactWriteItems(_ request: TransactWriteItemsRequest, durability: Durability) async throws {
        try await target.transactWriteItems(request, durability: durability)
    }
    func transactGetItems(_ request: TransactGetItemsRequest) async throws -> TransactGetItemsResponse {
        try await target.transactGetItems(request)
    }
}
