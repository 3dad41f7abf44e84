import Testing
import TernEngine
import TernTesting
@testable import TernTables

/// Opening, closing and releasing a table store; creating tables idempotently.
@Suite struct TableStoreLifecycleTests {
    static func isClosed(_ error: any Error) -> Bool { (error as? TernError)?.code == .closed }

    /// Closed means closed: every request fails after `close()`, including the ones answered
    /// from the in-memory catalog, and even after another handle reopened the directory.
    @Test func everyRequestFailsAfterClose() throws {
        let fileSystem = MemoryFileSystem()
        var options = StoreOptions()
        options.fileSystem = fileSystem
        let tables = try TableStore.open(at: "/t", storeOptions: options, clock: .system, ttlPurgeInterval: nil)
        try tables.createTable(keyedTable("Pets"), durability: .synced)
        try tables.put("Pets", ["pk": "rex"])
        try tables.close()
        let other = try TableStore.open(at: "/t", storeOptions: options, clock: .system, ttlPurgeInterval: nil)
        try other.put("Pets", ["pk": "tom"])
        #expect(performing: { _ = try tables.getItem(GetItemRequest(tableName: "Pets", key: ["pk": "rex"])) }, throws: Self.isClosed)
        #expect(performing: { _ = try tables.query(QueryRequest(
            tableName: "Pets", keyConditionExpression: "pk = :p", expressionAttributeValues: [":p": "rex"])) }, throws: Self.isClosed)
        #expect(performing: { _ = try tables.scan(ScanRequest(tableName: "Pets")) }, throws: Self.isClosed)
        #expect(performing: { _ = try tables.listTables(ListTablesRequest()) }, throws: Self.isClosed)
        #expect(performing: { _ = try tables.describeTable(DescribeTableRequest(tableName: "Pets")) }, throws: Self.isClosed)
        #expect(performing: { _ = try tables.describeTimeToLive(tableName: "Pets") }, throws: Self.isClosed)
        #expect(performing: { _ = try tables.batchGetItem(BatchGetItemRequest(
            requestItems: ["Pets": KeysAndAttributes(keys: [["pk": "rex"]])])) }, throws: Self.isClosed)
        #expect(performing: { try tables.put("Pets", ["pk": "max"]) }, throws: Self.isClosed)
        #expect(performing: { try tables.createTable(keyedTable("Cats"), durability: .synced) }, throws: Self.isClosed)
        #expect(try other.scan(ScanRequest(tableName: "Pets")).count == 2)
        try other.close()
    }

    @Test func asyncRequestsFailAfterClose() async throws {
        var options = StoreOptions()
        options.fileSystem = MemoryFileSystem()
        let tables = try await TableStore.open(at: "/t", storeOptions: options, clock: .system, ttlPurgeInterval: nil)
        try await tables.createTable(keyedTable("Pets"), durability: .synced)
        try await tables.close()
        await #expect(performing: { _ = try await tables.listTables(ListTablesRequest()) }, throws: Self.isClosed)
        await #expect(performing: { _ = try await tables.getItem(GetItemRequest(tableName: "Pets", key: ["pk": "a"])) }, throws: Self.isClosed)
    }

    /// A table store released without `close()` releases its directory: the next open works
    /// (before, the lock stayed taken until the process ended), and what was written is there.
    /// With a purger, the release may complete on the purger's thread after its current chunk,
    /// so the reopen waits (boundedly) for the lock.
    @Test(arguments: [nil, Duration.seconds(60)])
    func aReleasedTableStoreReleasesItsDirectory(purgeInterval: Duration?) throws {
        var options = StoreOptions()
        options.fileSystem = MemoryFileSystem()
        do {
            let tables = try TableStore.open(at: "/t", storeOptions: options, clock: .system, ttlPurgeInterval: purgeInterval)
            try tables.createTable(keyedTable("Pets"), durability: .synced)
            try tables.putItem(PutItemRequest(tableName: "Pets", item: ["pk": "rex"]), durability: .buffered)
        }
        var free: TableStore?
        _ = waitUntil(timeout: .seconds(30)) {
            free = try? TableStore.open(at: "/t", storeOptions: options, clock: .system, ttlPurgeInterval: nil)
            return free != nil
        }
        let reopened = try free ?? TableStore.open(at: "/t", storeOptions: options, clock: .system, ttlPurgeInterval: nil)
        #expect(try reopened.get("Pets", ["pk": "rex"]) == ["pk": "rex"])
        try reopened.close()
    }

    /// A table store over a caller's engine store does not close it when released.
    @Test func aTableStoreOverACallersStoreLeavesItOpen() throws {
        var options = StoreOptions()
        options.fileSystem = MemoryFileSystem()
        let store = try Store.open(at: "/t", options: options)
        do {
            let tables = try TableStore(store: store, clock: .system)
            try tables.createTable(keyedTable("Pets"), durability: .synced)
        }
        #expect(try TableStore(store: store, clock: .system).listTables(ListTablesRequest()).tableNames == ["Pets"])
        try store.close()
    }

    @Test func createTableIfNotExistsIsIdempotent() throws {
        let fixture = try TableFixture()
        let tables = fixture.tables
        let first = try tables.createTableIfNotExists(keyedTable("Pets", sk: "name"), durability: .synced)
        try tables.put("Pets", ["pk": "a", "name": "rex"])
        let second = try tables.createTableIfNotExists(keyedTable("Pets", sk: "name"), durability: .synced)
        #expect(second.tableDescription == first.tableDescription)
        #expect(try tables.get("Pets", ["pk": "a", "name": "rex"]) != nil)
        let error = dynamoError { try tables.createTableIfNotExists(keyedTable("Pets"), durability: .synced) }
        #expect(error?.code == .resourceInUse)
        #expect(error?.message == "Table already exists with a different definition: Pets (key schema)")
        // A plain createTable still refuses an existing name.
        #expect(dynamoError { try tables.createTable(keyedTable("Pets", sk: "name"), durability: .synced) }?.code == .resourceInUse)
    }

    /// The protocol's default (describe, then create) behaves like the store's own.
    @Test func createTableIfNotExistsThroughAnotherService() async throws {
        let fixture = try TableFixture()
        let service = ForwardingService(fixture.tables)
        let index = gsi("by-city", "city")
        let request = keyedTable("Users", globalIndexes: [index], extraDefinitions: [AttributeDefinition(attributeName: "city", attributeType: .string)])
        let first = try await service.createTableIfNotExists(request, durability: .synced)
        let second = try await service.createTableIfNotExists(request, durability: .synced)
        #expect(first.tableDescription == second.tableDescription)
        var changed = request
        changed.globalSecondaryIndexes = [gsi("by-city", "city", projection: .keysOnly)]
        await #expect(performing: { try await service.createTableIfNotExists(changed, durability: .synced) }, throws: {
            ($0 as? DynamoError)?.message == "Table already exists with a different definition: Users (global secondary indexes)"
        })
    }
}
