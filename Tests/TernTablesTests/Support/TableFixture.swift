import Synchronization
import TernEngine
import TernTesting
@testable import TernTables

/// A clock tests move by hand.
final class ManualClock: Sendable {
    let seconds: Atomic<Int64>

    init(_ start: Int64 = 1_700_000_000) {
        seconds = Atomic(start)
    }

    var tableClock: TableClock {
        TableClock { [self] in seconds.load(ordering: .relaxed) }
    }

    func advance(by delta: Int64) {
        seconds.add(delta, ordering: .relaxed)
    }

    var now: Int64 { seconds.load(ordering: .relaxed) }
}

/// A table store on an in-memory file system (with fault injection, for crashes) and a manual
/// clock, reopenable.
final class TableFixture {
    let fileSystem = FaultInjectingFileSystem()
    let clock = ManualClock()
    private(set) var tables: TableStore
    let memtableBudgetBytes: Int
    let ttlPurgeInterval: Duration?

    /// - Parameter ttlPurgeInterval: nil (the default) starts no background purger: tests purge
    ///   explicitly, so that outcomes are deterministic.
    init(memtableBudgetBytes: Int = 64 << 10, ttlPurgeInterval: Duration? = nil) throws {
        self.memtableBudgetBytes = memtableBudgetBytes
        self.ttlPurgeInterval = ttlPurgeInterval
        tables = try TableFixture.open(fileSystem, clock, memtableBudgetBytes, ttlPurgeInterval)
    }

    private static func open(
        _ fileSystem: FaultInjectingFileSystem, _ clock: ManualClock, _ budget: Int, _ ttlPurgeInterval: Duration?
    ) throws -> TableStore {
        var options = StoreOptions()
        options.fileSystem = fileSystem
        options.memtableBudgetBytes = budget
        return try TableStore.open(at: "/tables", storeOptions: options, clock: clock.tableClock, ttlPurgeInterval: ttlPurgeInterval)
    }

    /// Closes and reopens the store (same files, same clock).
    func reopen() throws {
        try tables.close()
        tables = try TableFixture.open(fileSystem, clock, memtableBudgetBytes, ttlPurgeInterval)
    }

    /// Simulates a crash (power loss or process kill): every later file operation of the old
    /// store fails, so it changes nothing more; then reopens the store.
    func crashAndReopen(_ unsynced: MemoryFileSystem.UnsyncedData) throws {
        fileSystem.crash(stopping: tables.store, unsynced)
        tables = try TableFixture.open(fileSystem, clock, memtableBudgetBytes, ttlPurgeInterval)
    }

    deinit { try? tables.close() }
}

/// A CreateTable request for a table keyed `pk` (and `sk`), with the given types.
func keyedTable(
    _ name: String, pk: String = "pk", _ pkType: ScalarAttributeType = .string, sk: String? = nil, _ skType: ScalarAttributeType = .string,
    globalIndexes: [GlobalSecondaryIndex] = [], localIndexes: [LocalSecondaryIndex] = [], extraDefinitions: [AttributeDefinition] = [],
    ttl: String? = nil
) -> CreateTableRequest {
    var keySchema = [KeySchemaElement(attributeName: pk, keyType: .hash)]
    var definitions = [AttributeDefinition(attributeName: pk, attributeType: pkType)]
    if let sk {
        keySchema.append(KeySchemaElement(attributeName: sk, keyType: .range))
        definitions.append(AttributeDefinition(attributeName: sk, attributeType: skType))
    }
    return CreateTableRequest(
        tableName: name, keySchema: keySchema, attributeDefinitions: definitions + extraDefinitions,
        billingMode: .payPerRequest, globalSecondaryIndexes: globalIndexes, localSecondaryIndexes: localIndexes,
        timeToLiveSpecification: ttl.map { TimeToLiveSpecification(attributeName: $0) })
}

/// A GSI with key `hash` (and `range`).
func gsi(_ name: String, _ hash: String, _ range: String? = nil, projection: Projection = .all) -> GlobalSecondaryIndex {
    var schema = [KeySchemaElement(attributeName: hash, keyType: .hash)]
    if let range { schema.append(KeySchemaElement(attributeName: range, keyType: .range)) }
    return GlobalSecondaryIndex(indexName: name, keySchema: schema, projection: projection)
}

extension TableStore {
    /// Puts `item` with synced durability (test shorthand).
    func put(_ table: String, _ item: Item) throws {
        try putItem(PutItemRequest(tableName: table, item: item), durability: .synced)
    }

    /// Gets the item with `key` (test shorthand).
    func get(_ table: String, _ key: Item) throws -> Item? {
        try getItem(GetItemRequest(tableName: table, key: key)).item
    }

    /// Walks every page of `request` (following LEKs) and returns the items and the pages.
    func queryAll(_ request: QueryRequest) throws -> (items: [Item], pages: Int) {
        var request = request
        var items: [Item] = []
        var pages = 0
        while true {
            let page = try query(request)
            pages += 1
            items += page.items
            guard let lek = page.lastEvaluatedKey else { return (items, pages) }
            request.exclusiveStartKey = lek
            precondition(pages < 100_000, "runaway pagination")
        }
    }

    /// Walks every page of `request`.
    func scanAll(_ request: ScanRequest) throws -> (items: [Item], pages: Int) {
        var request = request
        var items: [Item] = []
        var pages = 0
        while true {
            let page = try scan(request)
            pages += 1
            items += page.items
            guard let lek = page.lastEvaluatedKey else { return (items, pages) }
            request.exclusiveStartKey = lek
            precondition(pages < 100_000, "runaway pagination")
        }
    }
}
