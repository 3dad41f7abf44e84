import Testing
import TernEngine
import TernTesting
@testable import TernTables

/// Crashes in the middle of table work: the recovered tables are the state after a prefix of the
/// acknowledged writes that includes every synced one, with indexes agreeing with items; an
/// interrupted DeleteTable or TTL rebuild is finished at the next open.
@Suite struct TableCrashTests {
    /// Table `Crash` (pk S) with GSI `by-g` (g S).
    static let request = keyedTable(
        "Crash", globalIndexes: [gsi("by-g", "g")], extraDefinitions: [AttributeDefinition(attributeName: "g", attributeType: .string)])

    static func state(_ tables: TableStore) throws -> [String: Item] {
        let items = try tables.scanAll(ScanRequest(tableName: "Crash", limit: 50)).items
        var state: [String: Item] = [:]
        for item in items { if case .string(let key)? = item["pk"] { state[key] = item } }
        // The index holds exactly the items with a g.
        var indexed: [Item] = []
        for g in ["a", "b", "c"] {
            indexed += try tables.queryAll(QueryRequest(
                tableName: "Crash", indexName: "by-g", keyConditionExpression: "g = :g", expressionAttributeValues: [":g": S(g)])).items
        }
        #expect(Set(indexed) == Set(items.filter { $0["g"] != nil }), "index and items disagree after recovery")
        return state
    }

    @Test(arguments: [0, 1, 2])
    func recoveryKeepsAPrefixWithEverySyncedWrite(mode: Int) throws {
        var random = SeededGenerator.fromEnvironment("TableCrashTests.prefix.\(mode)")
        let fixture = try TableFixture(memtableBudgetBytes: 8 << 10)
        try fixture.tables.createTable(Self.request, durability: .synced)
        for round in 0..<6 {
            var states: [[String: Item]] = [try Self.state(fixture.tables)]
            var lastSynced = 0
            var current = states[0]
            for _ in 0..<60 {
                let key = "k\(Int.random(in: 0..<25, using: &random))"
                let durability: Durability = Int.random(in: 0..<5, using: &random) == 0 ? .synced : .buffered
                if Int.random(in: 0..<4, using: &random) == 0 {
                    try fixture.tables.deleteItem(DeleteItemRequest(tableName: "Crash", key: ["pk": S(key)]), durability: durability)
                    current[key] = nil
                } else {
                    var item: Item = ["pk": S(key), "v": N("\(Int.random(in: 0..<1000, using: &random))")]
                    if Bool.random(using: &random) { item["g"] = S(["a", "b", "c"].randomElement(using: &random)!) }
                    try fixture.tables.put("Crash", item, durability: durability)
                    current[key] = item
                }
                states.append(current)
                if durability == .synced { lastSynced = states.count - 1 }
            }
            let unsynced: MemoryFileSystem.UnsyncedData = [.dropped, .kept, .torn(keep: { $0 / 2 })][mode]
            try fixture.crashAndReopen(unsynced)
            let recovered = try Self.state(fixture.tables)
            let matching = states.indices.filter { states[$0] == recovered }
            #expect(matching.contains { $0 >= lastSynced }, "round \(round): recovered state is not a prefix with every synced write")
        }
    }

    @Test func anInterruptedDeleteTableIsFinishedAtOpen() throws {
        let fixture = try TableFixture()
        try fixture.tables.createTable(Self.request, durability: .synced)
        for index in 0..<100 { try fixture.tables.put("Crash", ["pk": S("k\(index)"), "g": S("a")]) }
        let id = try fixture.tables.describeTable(DescribeTableRequest(tableName: "Crash")).table.tableID
        // DeleteTable's first batch, then a crash before the data is removed.
        var batch = WriteBatch()
        batch.delete(KeyLayout.catalogKey("Crash"))
        batch.put(KeyLayout.dropKey(id), [])
        try fixture.tables.store.write(batch, durability: .synced)
        try fixture.crashAndReopen(.dropped)
        let range = KeyLayout.tableRange(id)
        #expect(try fixture.tables.store.scan(lowerBound: range.lower, upperBound: range.upper).isEmpty)
        #expect(try fixture.tables.store.get(KeyLayout.dropKey(id)) == nil)
        #expect(dynamoError { _ = try fixture.tables.describeTable(DescribeTableRequest(tableName: "Crash")) }?.code == .resourceNotFound)
    }

    @Test func anInterruptedTimeToLiveRebuildIsRedoneAtOpen() throws {
        let fixture = try TableFixture()
        try fixture.tables.createTable(
            keyedTable("Crash", globalIndexes: [gsi("by-g", "g", projection: .keysOnly)],
                       extraDefinitions: [AttributeDefinition(attributeName: "g", attributeType: .string)]), durability: .synced)
        let now = fixture.clock.now
        for index in 0..<20 { try fixture.tables.put("Crash", ["pk": S("k\(index)"), "g": S("a"), "ttl": N("\(now - 10 + Int64(index))")]) }
        // UpdateTimeToLive's first batch (catalog + marker), then a crash before the rebuild.
        let table = try fixture.tables.table("Crash")
        var stored = table.stored
        stored.description.timeToLive = TimeToLiveSpecification(attributeName: "ttl")
        var batch = WriteBatch()
        batch.put(KeyLayout.catalogKey("Crash"), CatalogRecord.encode(stored))
        batch.put(KeyLayout.rebuildKey(table.id), [])
        try fixture.tables.store.write(batch, durability: .synced)
        try fixture.crashAndReopen(.dropped)
        let index = QueryRequest(tableName: "Crash", indexName: "by-g", keyConditionExpression: "g = :g", expressionAttributeValues: [":g": S("a")])
        #expect(try fixture.tables.query(index).count == 10)  // entries now carry the TTL attribute
        #expect(try fixture.tables.purgeExpired(durability: .synced) == 10)  // and the expiry index exists
        #expect(try fixture.tables.store.get(KeyLayout.rebuildKey(table.id)) == nil)
    }
}

extension TableStore {
    func put(_ table: String, _ item: Item, durability: Durability) throws {
        try putItem(PutItemRequest(tableName: table, item: item), durability: durability)
    }
}
