import Glibc
import Testing
import TernEngine
import TernTesting
@testable import TernTables

/// TTL: expired items vanish from every read at once and are purged with their index entries.
@Suite struct TimeToLiveTests {
    static func fixture(ttlPurgeInterval: Duration? = nil) throws -> TableFixture {
        let fixture = try TableFixture(ttlPurgeInterval: ttlPurgeInterval)
        try fixture.tables.createTable(
            keyedTable(
                "Expiring", sk: "sk", globalIndexes: [gsi("by-g", "g", projection: .keysOnly)],
                extraDefinitions: [AttributeDefinition(attributeName: "g", attributeType: .string)], ttl: "expires"),
            durability: .synced)
        return fixture
    }

    @Test func expiredItemsAreInvisibleToEveryRead() throws {
        let fixture = try Self.fixture()
        let tables = fixture.tables
        let now = fixture.clock.now
        let key: Item = ["pk": S("p"), "sk": S("soon")]
        try tables.put("Expiring", key.merging(["g": S("G"), "expires": N("\(now + 10)")]) { $1 })
        try tables.put("Expiring", ["pk": S("p"), "sk": S("later"), "g": S("G"), "expires": N("\(now + 1000)")])
        try tables.put("Expiring", ["pk": S("p"), "sk": S("never"), "g": S("G"), "expires": S("not a number")])
        func visible() throws -> [String: Int] {
            let query = QueryRequest(tableName: "Expiring", keyConditionExpression: "pk = :p", expressionAttributeValues: [":p": S("p")])
            let index = QueryRequest(
                tableName: "Expiring", indexName: "by-g", keyConditionExpression: "g = :g", expressionAttributeValues: [":g": S("G")])
            return [
                "get": try tables.get("Expiring", key) == nil ? 0 : 1,
                "query": try tables.query(query).count,
                "index": try tables.query(index).count,
                "scan": try tables.scan(ScanRequest(tableName: "Expiring")).count,
                "batch": try tables.batchGetItem(BatchGetItemRequest(requestItems: ["Expiring": KeysAndAttributes(keys: [key])]))
                    .responses["Expiring"]!.count,
                "transact": try tables.transactGetItems(TransactGetItemsRequest(transactItems: [TransactGet(tableName: "Expiring", key: key)]))
                    .responses.compactMap(\.item).count,
            ]
        }
        #expect(try visible() == ["get": 1, "query": 3, "index": 3, "scan": 3, "batch": 1, "transact": 1])
        fixture.clock.advance(by: 10)  // expiry == now: not yet in the past
        #expect(try visible()["get"] == 1)
        fixture.clock.advance(by: 1)
        #expect(try visible() == ["get": 0, "query": 2, "index": 2, "scan": 2, "batch": 0, "transact": 0])
        // Writes see no item: the condition passes, ALL_OLD is empty, an update starts from the key.
        let put = try tables.putItem(
            PutItemRequest(tableName: "Expiring", item: key.merging(["v": N("1")]) { $1 }, conditionExpression: "attribute_not_exists(pk)",
                           returnValues: .allOld), durability: .synced)
        #expect(put.attributes == nil)
        #expect(try tables.get("Expiring", key) == key.merging(["v": N("1")]) { $1 })
    }

    @Test func purgeDeletesExpiredItemsAndTheirIndexEntries() throws {
        let fixture = try Self.fixture()
        let tables = fixture.tables
        let now = fixture.clock.now
        for index in 0..<40 {
            try tables.put("Expiring", ["pk": S("p\(index % 4)"), "sk": S("s\(index)"), "g": S("G"), "expires": N("\(now + Int64(index))")])
        }
        // Item s39 is rewritten with a later expiry: its old expiry entry is stale and must not purge it.
        try tables.put("Expiring", ["pk": S("p3"), "sk": S("s39"), "g": S("G"), "expires": N("\(now + 5000)")])
        fixture.clock.advance(by: 20)  // s0 ... s19 expired
        #expect(try tables.purgeExpired(limit: 5, durability: .synced) == 5)
        #expect(try tables.purgeExpired(durability: .synced) == 15)
        #expect(try tables.purgeExpired(durability: .synced) == 0)
        try fixture.reopen()
        let table = try fixture.tables.describeTable(DescribeTableRequest(tableName: "Expiring")).table
        let entries = try fixture.tables.store.scan(lowerBound: KeyLayout.tableRange(table.tableID).lower, upperBound: KeyLayout.tableRange(table.tableID).upper)
        // 20 items, 20 index entries, 20 expiry entries are left (s20 ... s39).
        #expect(entries.count == 60)
        fixture.clock.advance(by: 100_000)
        #expect(try fixture.tables.purgeExpired(durability: .synced) == 20)
        #expect(try fixture.tables.store.scan(lowerBound: KeyLayout.tableRange(table.tableID).lower, upperBound: KeyLayout.tableRange(table.tableID).upper).isEmpty)
    }

    @Test func updateTimeToLiveRebuildsTheIndexes() throws {
        let fixture = try TableFixture()
        let tables = fixture.tables
        try tables.createTable(
            keyedTable("Later", globalIndexes: [gsi("by-g", "g", projection: .keysOnly)], extraDefinitions: [AttributeDefinition(attributeName: "g", attributeType: .string)]),
            durability: .synced)
        let now = fixture.clock.now
        for index in 0..<10 { try tables.put("Later", ["pk": S("k\(index)"), "g": S("G"), "ttl": N("\(now + Int64(index) - 5)")]) }
        let index = QueryRequest(tableName: "Later", indexName: "by-g", keyConditionExpression: "g = :g", expressionAttributeValues: [":g": S("G")])
        #expect(try tables.query(index).count == 10)
        try tables.updateTimeToLive(UpdateTimeToLiveRequest(tableName: "Later", timeToLiveSpecification: TimeToLiveSpecification(attributeName: "ttl")), durability: .synced)
        #expect(try tables.describeTimeToLive(tableName: "Later") == TimeToLiveSpecification(attributeName: "ttl"))
        #expect(try tables.query(index).count == 5)
        #expect(try tables.scan(ScanRequest(tableName: "Later")).count == 5)
        #expect(try tables.purgeExpired(durability: .synced) == 5)
        #expect(dynamoError {
            try tables.updateTimeToLive(UpdateTimeToLiveRequest(tableName: "Later", timeToLiveSpecification: TimeToLiveSpecification(attributeName: "ttl")), durability: .synced)
        }?.code == .validation)
        try tables.updateTimeToLive(
            UpdateTimeToLiveRequest(tableName: "Later", timeToLiveSpecification: TimeToLiveSpecification(attributeName: "ttl", enabled: false)),
            durability: .synced)
        fixture.clock.advance(by: 1000)
        #expect(try tables.scan(ScanRequest(tableName: "Later")).count == 5)
        #expect(try tables.query(index).count == 5)
        try fixture.reopen()
        #expect(try fixture.tables.scan(ScanRequest(tableName: "Later")).count == 5)
    }
}

extension TimeToLiveTests {
    /// The background purger removes expired items without anyone calling `purgeExpired`.
    @Test func backgroundPurgerRemovesExpiredItems() throws {
        let fixture = try Self.fixture()
        let tables = fixture.tables
        let now = fixture.clock.now
        for index in 0..<30 {
            try tables.put("Expiring", ["pk": S("p"), "sk": S("s\(index)"), "g": S("G"), "expires": N("\(now + 5)")])
        }
        try tables.put("Expiring", ["pk": S("p"), "sk": S("keep"), "g": S("G"), "expires": N("\(now + 1000)")])
        fixture.clock.advance(by: 6)
        let purger = TimeToLivePurger(tables: tables, interval: .milliseconds(10), chunkLimit: 7)
        defer { purger.stop() }
        _ = waitUntil { purger.purgedTotal >= 30 }
        #expect(purger.purgedTotal == 30, "purged \(purger.purgedTotal); last error \(purger.lastError ?? "none")")
        purger.stop()
        // Gone from storage (not just invisible): the raw key range holds only the kept item.
        let rest = try tables.store.scan().filter { $0.value.count > 0 }
        #expect(try tables.scan(ScanRequest(tableName: "Expiring")).count == 1)
        #expect(!rest.isEmpty)
        #expect(try tables.purgeExpired(durability: .synced) == 0)
    }

    /// `TableStore.open` starts a purger of its own: expired items are reclaimed with nobody
    /// calling `purgeExpired` or creating a `TimeToLivePurger`; `close()` stops it.
    @Test func openStartsAPurgerAndCloseStopsIt() throws {
        let fixture = try Self.fixture(ttlPurgeInterval: .milliseconds(10))
        let tables = fixture.tables
        let now = fixture.clock.now
        for index in 0..<12 {
            try tables.put("Expiring", ["pk": S("p"), "sk": S("s\(index)"), "g": S("G"), "expires": N("\(now + 5)")])
        }
        try tables.put("Expiring", ["pk": S("p"), "sk": S("keep"), "g": S("G"), "expires": N("\(now + 1000)")])
        fixture.clock.advance(by: 6)
        _ = waitUntil { tables.purgedTotal >= 12 }
        #expect(tables.purgedTotal == 12)
        #expect(try tables.purgeExpired(durability: .synced) == 0)
        try tables.close()
        #expect(tables.purgedTotal == 0)  // no purger after close
    }

    /// A store's own purger holds it weakly: releasing the `TableStore` without `close()` frees it
    /// and ends the purger. (The engine `Store` underneath still needs its own `close()`: its
    /// background threads keep it alive.)
    @Test func aReleasedStoreIsFreedDespiteItsPurger() throws {
        let fileSystem = MemoryFileSystem()
        var options = StoreOptions()
        options.fileSystem = fileSystem
        weak var released: TableStore?
        let engine: Store
        do {
            let tables = try TableStore.open(at: "/t", storeOptions: options, clock: .system, ttlPurgeInterval: .milliseconds(1))
            released = tables
            engine = tables.store
            usleep(5_000)  // let the purger run a few times
        }
        _ = waitUntil { released == nil }
        #expect(released == nil)
        try engine.close()
        let reopened = try TableStore.open(at: "/t", storeOptions: options, clock: .system, ttlPurgeInterval: nil)
        try reopened.close()
    }
}
