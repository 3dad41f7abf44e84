import AsyncHTTPClient
import NIOCore
import Synchronization
import TernTables
import TernWire

@_exported import struct TernWire.WireError

/// DynamoDB's table operations against any DynamoDB-API endpoint over HTTP: a Tern node
/// (`tern serve`), DynamoDB itself, ScyllaDB Alternator, DynamoDB Local, moto. The remote
/// implementation of `TableService` (and of `GeoTableService`, whose `nearby` only a Tern node
/// answers), so code written against `some TableService` runs on the embedded `TableStore` or on
/// a server, chosen by configuration.
///
/// ```swift
/// let tables = try TableClient(configuration: TableClientConfiguration(
///     endpoint: "http://127.0.0.1:8000", region: "us-east-1", credentials: try .environment()))
/// try await tables.put(message, into: "Messages", durability: .synced)
/// try await tables.shutdown()
/// ```
///
/// **Wire.** Each operation is one POST of DynamoDB JSON 1.0 (`X-Amz-Target:
/// DynamoDB_20120810.<Operation>`; `Tern_20261201.Nearby` for `nearby`), encoded and decoded by
/// TernWire, the node's own codec, and signed with SigV4 (`SigV4Signer`).
///
/// **Errors.** An error the table layer has a name for comes back as that `DynamoError`
/// (`ConditionalCheckFailedException` with its item, `TransactionCanceledException` with its
/// reasons, `ResourceNotFoundException`, ...), as the embedded store throws it; any other error
/// the server names is a `WireError` (`ProvisionedThroughputExceededException` once retries are
/// exhausted, `UnrecognizedClientException`, `InvalidSignatureException`, ...). Transport failures
/// are async-http-client's errors; the client's own are `TableClientError`.
///
/// **Retries.** Throttling and server failures are retried with exponential backoff and full
/// jitter (`RetryPolicy`); client errors never are.
///
/// **Durability.** DynamoDB acknowledges only durable writes, and a Tern node writes with its own
/// `--durability`; the `durability` argument is accepted for the protocol's sake and not sent.
///
/// **Pages.** DynamoDB may answer BatchGetItem with `unprocessedKeys` and BatchWriteItem with
/// `unprocessedItems` (a Tern node never does); they are returned as the server sent them, for the
/// caller to send again, as with the SDKs.
///
/// **Lifetime.** The client owns an `HTTPClient` (connection pool on NIO's shared event loops)
/// unless given one. `shutdown()` closes it; a client released without `shutdown()` shuts its
/// `HTTPClient` down in the background. Requests after `shutdown()` fail with
/// `TableClientError.shutDown`.
///
/// **Threads.** Requests run on NIO's event loops and suspend the calling task while they
/// wait; nothing blocks a thread. A task cancelled before a request is sent gets
/// `CancellationError` and nothing is sent; cancelling one in flight abandons its response
/// (a write may still have been applied), and a cancelled task stops waiting between retries.
public final class TableClient: GeoTableService {
    /// The configuration the client was made with.
    public let configuration: TableClientConfiguration
    let endpoint: Endpoint
    let signer: SigV4Signer
    let http: HTTPClient
    private let ownsHTTPClient: Bool
    private let isShutDown = Atomic<Bool>(false)

    /// A client for `configuration`'s endpoint, with its own connection pool.
    ///
    /// - Throws: `TableClientError` (`invalidConfiguration`) for an endpoint that is not an
    ///   `http` or `https` URL with a host.
    public convenience init(configuration: TableClientConfiguration) throws(TableClientError) {
        let endpoint = try Endpoint(parsing: configuration.endpoint)
        var settings = HTTPClient.Configuration()
        settings.timeout = HTTPClient.Configuration.Timeout(connect: .init(configuration.connectTimeout))
        settings.connectionPool = HTTPClient.Configuration.ConnectionPool(
            idleTimeout: .init(configuration.idleConnectionTimeout),
            concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.maxConnections)
        // A redirect of a signed POST would be re-sent unsigned or to another host.
        settings.redirectConfiguration = .disallow
        self.init(configuration: configuration, endpoint: endpoint, http: HTTPClient(configuration: settings), owned: true)
    }

    /// A client for `configuration`'s endpoint that sends through `httpClient` (shared with the
    /// rest of an application). The caller shuts `httpClient` down, after this client's last
    /// request; `configuration`'s connection settings are the `HTTPClient`'s own then.
    ///
    /// - Throws: `TableClientError` (`invalidConfiguration`) for a malformed endpoint.
    public convenience init(configuration: TableClientConfiguration, httpClient: HTTPClient) throws(TableClientError) {
        self.init(configuration: configuration, endpoint: try Endpoint(parsing: configuration.endpoint), http: httpClient, owned: false)
    }

    private init(configuration: TableClientConfiguration, endpoint: Endpoint, http: HTTPClient, owned: Bool) {
        self.configuration = configuration
        self.endpoint = endpoint
        self.signer = SigV4Signer(credentials: configuration.credentials, region: configuration.region, service: configuration.signingService)
        self.http = http
        self.ownsHTTPClient = owned
    }

    deinit {
        // Released without shutdown(): close the pool in the background (HTTPClient requires a
        // shutdown before it goes, and this is the last chance to do it).
        if ownsHTTPClient, !isShutDown.load(ordering: .acquiring) { http.shutdown { _ in } }
    }

    /// Stops the client: later requests fail with `TableClientError.shutDown`, and the
    /// connection pool (when the client owns it) closes after the requests in flight.
    /// Calling it again does nothing.
    public func shutdown() async throws {
        guard !isShutDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
        if ownsHTTPClient { try await http.shutdown() }
    }

    /// Whether `shutdown()` was called.
    var hasShutDown: Bool { isShutDown.load(ordering: .acquiring) }

    // MARK: Tables

    /// CreateTable. A DynamoDB table is `CREATING` for a while after this returns (a Tern
    /// node's and moto's are `ACTIVE` at once); `describeTable` tells when it is `ACTIVE`.
    @discardableResult
    public func createTable(_ request: CreateTableRequest, durability: Durability) async throws -> CreateTableResponse {
        try await call("CreateTable", request, idempotent: false)
    }

    /// DeleteTable.
    @discardableResult
    public func deleteTable(_ request: DeleteTableRequest, durability: Durability) async throws -> DeleteTableResponse {
        try await call("DeleteTable", request, idempotent: false)
    }

    /// DescribeTable.
    public func describeTable(_ request: DescribeTableRequest) async throws -> DescribeTableResponse {
        try await call("DescribeTable", request, idempotent: true)
    }

    /// ListTables (one page).
    public func listTables(_ request: ListTablesRequest) async throws -> ListTablesResponse {
        try await call("ListTables", request, idempotent: true)
    }

    /// UpdateTimeToLive.
    @discardableResult
    public func updateTimeToLive(_ request: UpdateTimeToLiveRequest, durability: Durability) async throws -> UpdateTimeToLiveResponse {
        try await call("UpdateTimeToLive", request, idempotent: false)
    }

    /// DescribeTimeToLive.
    public func describeTimeToLive(_ request: DescribeTimeToLiveRequest) async throws -> DescribeTimeToLiveResponse {
        try await call("DescribeTimeToLive", request, idempotent: true)
    }

    // MARK: Items

    /// PutItem.
    @discardableResult
    public func putItem(_ request: PutItemRequest, durability: Durability) async throws -> PutItemResponse {
        try await call("PutItem", request, idempotent: false)
    }

    /// GetItem.
    public func getItem(_ request: GetItemRequest) async throws -> GetItemResponse {
        try await call("GetItem", request, idempotent: true)
    }

    /// DeleteItem.
    @discardableResult
    public func deleteItem(_ request: DeleteItemRequest, durability: Durability) async throws -> DeleteItemResponse {
        try await call("DeleteItem", request, idempotent: false)
    }

    /// UpdateItem.
    @discardableResult
    public func updateItem(_ request: UpdateItemRequest, durability: Durability) async throws -> UpdateItemResponse {
        try await call("UpdateItem", request, idempotent: false)
    }

    /// One Query page; `queryPages` / `queryItems` walk them all.
    public func query(_ request: QueryRequest) async throws -> QueryResponse {
        try await call("Query", request, idempotent: true)
    }

    /// One Scan page; `scanPages` / `scanItems` walk them all.
    public func scan(_ request: ScanRequest) async throws -> ScanResponse {
        try await call("Scan", request, idempotent: true)
    }

    /// BatchGetItem; keys the server did not get to are in `unprocessedKeys`.
    public func batchGetItem(_ request: BatchGetItemRequest) async throws -> BatchGetItemResponse {
        try await call("BatchGetItem", request, idempotent: true)
    }

    /// BatchWriteItem; requests the server did not get to are in `unprocessedItems`.
    @discardableResult
    public func batchWriteItem(_ request: BatchWriteItemRequest, durability: Durability) async throws -> BatchWriteItemResponse {
        try await call("BatchWriteItem", request, idempotent: false)
    }

    /// TransactWriteItems.
    public func transactWriteItems(_ request: TransactWriteItemsRequest, durability: Durability) async throws {
        let _: NoResponse = try await call("TransactWriteItems", request, idempotent: false)
    }

    /// TransactGetItems.
    public func transactGetItems(_ request: TransactGetItemsRequest) async throws -> TransactGetItemsResponse {
        try await call("TransactGetItems", request, idempotent: true)
    }

    /// One page of Tern's geohash radius query (`Tern_20261201.Nearby`; a Tern node only:
    /// another endpoint answers `UnknownOperationException`).
    public func nearby(_ request: NearbyRequest) async throws -> NearbyResponse {
        try await call("Nearby", request, prefix: Self.ternPrefix, idempotent: true)
    }

    // MARK: Point-in-time recovery (not part of TableService)

    /// UpdateContinuousBackups: turns point-in-time recovery on or off for a table.
    @discardableResult
    public func updateContinuousBackups(_ request: UpdateContinuousBackupsRequest) async throws -> UpdateContinuousBackupsResponse {
        try await call("UpdateContinuousBackups", request, idempotent: false)
    }

    /// DescribeContinuousBackups: a table's recovery window.
    public func describeContinuousBackups(_ request: DescribeContinuousBackupsRequest) async throws
        -> DescribeContinuousBackupsResponse
    {
        try await call("DescribeContinuousBackups", request, idempotent: true)
    }

    /// RestoreTableToPointInTime: a new table holding another as it was at an instant.
    @discardableResult
    public func restoreTableToPointInTime(_ request: RestoreTableToPointInTimeRequest) async throws
        -> RestoreTableToPointInTimeResponse
    {
        try await call("RestoreTableToPointInTime", request, idempotent: false)
    }

    // MARK: Calls

    /// The target prefix of DynamoDB's operations.
    static let dynamoPrefix = "DynamoDB_20120810."
    /// The target prefix of Tern's own operations.
    static let ternPrefix = "Tern_20261201."

    /// Sends one operation (with retries) and decodes its response.
    private func call<Response: WireDecodable>(
        _ operation: String, _ request: some WireEncodable, prefix: String = TableClient.dynamoPrefix, idempotent: Bool
    ) async throws -> Response {
        let body = request.wireBytes(capacity: 512)
        let bytes = try await send(operation: operation, target: prefix + operation, body: body, idempotent: idempotent)
        do {
            return try Response(wireBytes: bytes)
        } catch {
            throw TableClientError(.invalidResponse, "\(operation): the response is not one: \(error)")
        }
    }
}

/// A response whose members the client does not read (TransactWriteItems').
private struct NoResponse: WireDecodable {
    init(wire object: WireObject) {}
}

extension TimeAmount {
    /// `duration`, to the nanosecond.
    init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
