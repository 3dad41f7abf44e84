import TernEngine
import TernRecovery
import TernTables
import TernWire

/// What an operation needs while it runs on the engine pool.
struct OperationContext: Sendable {
    let tables: TableStore
    let durability: Durability
    let throttle: Throttle?
    let metrics: NodeMetrics
    let region: String
    /// Point-in-time recovery (its archive is nil when the node runs without one).
    let recovery: TableRecovery

    /// Takes throttle tokens for the tables a request touches (no-op without throttling).
    func admit(_ demands: [(table: String, count: Int)], _ kind: Throttle.Kind) throws(WireError) {
        guard let throttle else { return }
        // Only tables that exist get a bucket (and a metric): a client naming invented tables
        // must not grow them; the table layer answers ResourceNotFound for those.
        let existing = demands.filter { (try? tables.describeTable(DescribeTableRequest(tableName: $0.table))) != nil }
        do {
            try throttle.take(existing, kind: kind)
        } catch {
            for demand in existing { metrics.recordThrottled(table: demand.table) }
            throw error
        }
    }
}

/// One operation the node serves: the name after the target prefix, and how to run it (decode
/// the request, admit it through the throttle, call the table layer, encode the response).
///
/// Adding an operation is one entry in `NodeOperation.all`.
struct NodeOperation: Sendable {
    /// `PutItem`, `Nearby`, ...
    let name: String
    /// Runs a request body (already parsed JSON) and returns the response body.
    let run: @Sendable (WireObject, OperationContext) throws -> [UInt8]
    /// Whether a success counts as a write (for the synced-writes-per-fsync metric).
    let isWrite: Bool

    /// An operation from its request and response types.
    ///
    /// - Parameters:
    ///   - demand: the tables the request touches and how many items of each (throttling).
    ///   - body: calls the table layer.
    static func make<Request: WireDecodable & Sendable, Response: WireEncodable & Sendable>(
        _ name: String, _ kind: Throttle.Kind, demand: @escaping @Sendable (Request) -> [(table: String, count: Int)],
        encode: @escaping @Sendable (Response, Request, inout JSONWriter) -> Void = { response, _, writer in response.encode(to: &writer) },
        _ body: @escaping @Sendable (Request, OperationContext) throws -> Response
    ) -> NodeOperation {
        NodeOperation(name: name, run: { object, context in
            let request = try Request(wire: object)
            try context.admit(demand(request), kind)
            let response = try body(request, context)
            var writer = JSONWriter(capacity: 512)
            writer.region = context.region
            encode(response, request, &writer)
            return writer.bytes
        }, isWrite: kind == .write)
    }

    /// The target prefix of DynamoDB's operations.
    static let dynamoPrefix = "DynamoDB_20120810."
    /// The target prefix of Tern's own operations (`Tern_20261201.Nearby`).
    static let ternPrefix = "Tern_20261201."

    /// Every operation by its full `X-Amz-Target`.
    static let all: [String: NodeOperation] = {
        var table: [String: NodeOperation] = [:]
        for operation in dynamoOperations + globalTableOperations { table[dynamoPrefix + operation.name] = operation }
        for operation in ternOperations { table[ternPrefix + operation.name] = operation }
        return table
    }()

    static let dynamoOperations: [NodeOperation] = [
        // Tables. Catalog changes count as writes of the table they name.
        make("CreateTable", .write, demand: { (request: CreateTableRequest) in [(request.tableName, 1)] }) {
            try $1.tables.createTable($0, durability: $1.durability)
        },
        make("DeleteTable", .write, demand: { (request: DeleteTableRequest) in [(request.tableName, 1)] }) {
            try $1.tables.deleteTable($0, durability: $1.durability)
        },
        make("DescribeTable", .read, demand: { (request: DescribeTableRequest) in [(request.tableName, 1)] }) {
            try $1.tables.describeTable($0)
        },
        make("ListTables", .read, demand: { (_: ListTablesRequest) in [] }) { try $1.tables.listTables($0) },
        make("UpdateTimeToLive", .write, demand: { (request: UpdateTimeToLiveRequest) in [(request.tableName, 1)] }) {
            try $1.tables.updateTimeToLive($0, durability: $1.durability)
        },
        make("DescribeTimeToLive", .read, demand: { (request: DescribeTimeToLiveRequest) in [(request.tableName, 1)] }) {
            DescribeTimeToLiveResponse(timeToLiveSpecification: try $1.tables.describeTimeToLive(tableName: $0.tableName))
        },
        // Point-in-time recovery (TernRecovery over the node's --archive).
        make("UpdateContinuousBackups", .write, demand: { (request: UpdateContinuousBackupsRequest) in [(request.tableName, 1)] }) {
            try $1.recovery.updateContinuousBackups($0)
        },
        make("DescribeContinuousBackups", .read, demand: { (request: DescribeContinuousBackupsRequest) in [(request.tableName, 1)] }) {
            try $1.recovery.describeContinuousBackups($0)
        },
        make("RestoreTableToPointInTime", .write, demand: { (request: RestoreTableToPointInTimeRequest) in [(request.targetTableName, 1)] }) {
            try $1.recovery.restoreTableToPointInTime($0)
        },
        // Items.
        make("PutItem", .write, demand: { (request: PutItemRequest) in [(request.tableName, 1)] }) {
            try $1.tables.putItem($0, durability: $1.durability)
        },
        make("GetItem", .read, demand: { (request: GetItemRequest) in [(request.tableName, 1)] }) { try $1.tables.getItem($0) },
        make("UpdateItem", .write, demand: { (request: UpdateItemRequest) in [(request.tableName, 1)] }) {
            try $1.tables.updateItem($0, durability: $1.durability)
        },
        make("DeleteItem", .write, demand: { (request: DeleteItemRequest) in [(request.tableName, 1)] }) {
            try $1.tables.deleteItem($0, durability: $1.durability)
        },
        // Reads of many items.
        make(
            "Query", .read, demand: { (request: QueryRequest) in [(request.tableName, 1)] },
            encode: { response, request, writer in response.encode(to: &writer, includeItems: request.select != .count) }
        ) { try $1.tables.query($0) },
        make(
            "Scan", .read, demand: { (request: ScanRequest) in [(request.tableName, 1)] },
            encode: { response, request, writer in response.encode(to: &writer, includeItems: request.select != .count) }
        ) { try $1.tables.scan($0) },
        // Batches and transactions.
        make("BatchGetItem", .read, demand: { (request: BatchGetItemRequest) in request.requestItems.map { ($0.key, $0.value.keys.count) } }) {
            try $1.tables.batchGetItem($0)
        },
        make("BatchWriteItem", .write, demand: { (request: BatchWriteItemRequest) in request.requestItems.map { ($0.key, $0.value.count) } }) {
            try $1.tables.batchWriteItem($0, durability: $1.durability)
        },
        make("TransactWriteItems", .write, demand: { (request: TransactWriteItemsRequest) in
            tableCounts(request.transactItems.map(\.wireTableName))
        }) {
            try $1.tables.transactWriteItems($0, durability: $1.durability)
            return TransactWriteItemsResponse()
        },
        make("TransactGetItems", .read, demand: { (request: TransactGetItemsRequest) in
            tableCounts(request.transactItems.map(\.tableName))
        }) { try $1.tables.transactGetItems($0) },
    ]

    /// Global tables (replication): UpdateTable with ReplicaUpdates.
    static let globalTableOperations: [NodeOperation] = [
        make("UpdateTable", .write, demand: { (request: UpdateTableRequest) in [(request.tableName, 1)] }) {
            try $1.tables.updateTable($0, durability: $1.durability)
        }
    ]

    static let ternOperations: [NodeOperation] = [
        make("Nearby", .read, demand: { (request: NearbyRequest) in [(request.tableName, 1)] }) { try $1.tables.nearby($0) }
    ]

    static func tableCounts(_ names: [String]) -> [(table: String, count: Int)] {
        var counts: [String: Int] = [:]
        for name in names { counts[name, default: 0] += 1 }
        return counts.map { ($0.key, $0.value) }
    }
}

extension TransactWriteItem {
    var wireTableName: String {
        switch self {
        case .conditionCheck(let check): check.tableName
        case .put(let put): put.tableName
        case .delete(let delete): delete.tableName
        case .update(let update): update.tableName
        }
    }
}
