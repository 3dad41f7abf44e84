import CoreMetrics
import TernEngine

/// The table layer's metrics, on the engine store's factory and dimensions (see
/// `StoreOptions.metricsFactory`): a latency timer per operation, and the TTL purger's counts.
final class TableMetrics: Sendable {
    /// The operations timed, by DynamoDB's names (the `operation` dimension).
    enum Operation: String, CaseIterable, Sendable {
        case createTable = "CreateTable", deleteTable = "DeleteTable", describeTable = "DescribeTable"
        case listTables = "ListTables", updateTimeToLive = "UpdateTimeToLive", describeTimeToLive = "DescribeTimeToLive"
        case putItem = "PutItem", getItem = "GetItem", deleteItem = "DeleteItem", updateItem = "UpdateItem"
        case query = "Query", scan = "Scan", nearby = "Nearby", batchGetItem = "BatchGetItem"
        case batchWriteItem = "BatchWriteItem", transactWriteItems = "TransactWriteItems"
        case transactGetItems = "TransactGetItems", purgeExpired = "PurgeExpired"
    }

    private let isEnabled: Bool
    private let timers: [Operation: Timer]
    let purgedItems: Counter
    let purgeErrors: Counter

    init(_ store: Store) {
        let metrics = store.metrics
        isEnabled = metrics.isEnabled
        timers = Dictionary(uniqueKeysWithValues: Operation.allCases.map { operation in
            (operation, metrics.timer(label: "tern_table_request_duration", extra: [("operation", operation.rawValue)]))
        })
        purgedItems = metrics.counter(label: "tern_ttl_purged_items_total")
        purgeErrors = metrics.counter(label: "tern_ttl_purge_errors_total")
    }

    /// The start of a timed request; nil when nobody records (no clock read then).
    func start() -> ContinuousClock.Instant? {
        isEnabled ? .now : nil
    }

    /// Records the request that began at `start` (whether it succeeded or threw).
    func record(_ operation: Operation, since start: ContinuousClock.Instant?) {
        guard let start, let timer = timers[operation] else { return }
        StoreMetrics.record(timer, ContinuousClock.now - start)
    }
}
