import Testing
import TernEngine
@testable import TernTables

/// Rules 48-53 of docs/dynamodb-semantics.md: secondary indexes (and LSIs).
@Suite struct IndexRulesTests {
    /// Table `Base` (pk S, sk S) with GSIs on (g S, r N): `all`, `keys` (KEYS_ONLY), `incl`
    /// (INCLUDE a), and `by-h` (hash-only on h).
    static func fixture() throws -> TableFixture {
        let fixture = try TableFixture()
        let request = keyedTable(
            "Base", sk: "sk",
            globalIndexes: [
                gsi("all", "g", "r"), gsi("keys", "g", "r", projection: .keysOnly), gsi("incl", "g", "r", projection: .include(["a"])),
                gsi("by-h", "h"),
            ],
            extraDefinitions: [
                AttributeDefinition(attributeName: "g", attributeType: .string), AttributeDefinition(attributeName: "r", attributeType: .number),
                AttributeDefinition(attributeName: "h", attributeType: .string),
            ])
        try fixture.tables.createTable(request, durability: .synced)
        return fixture
    }

    static func indexItems(_ tables: TableStore, _ index: String = "all", g: String = "G") throws -> [Item] {
        try tables.queryAll(QueryRequest(
            tableName: "Base", indexName: index, keyConditionExpression: "g = :g", expressionAttributeValues: [":g": S(g)])).items
    }

    @Test func rule48_indexesAreSparseAndFollowEveryWrite() throws {
        let fixture = try Self.fixture()
        let tables = fixture.tables
        try tables.put("Base", ["pk": S("a"), "sk": S("1"), "g": S("G"), "r": N("1")])
        try tables.put("Base", ["pk": S("b"), "sk": S("1"), "g": S("G")])  // no r: absent from the index
        try tables.put("Base", ["pk": S("c"), "sk": S("1")])
        #expect(try Self.indexItems(tables).map { $0["pk"] } == [S("a")])
        #expect(try tables.scan(ScanRequest(tableName: "Base", indexName: "all")).count == 1)
        // Update adds r to b; a's key changes cell; c gains a key by update.
        try tables.updateItem(
            UpdateItemRequest(tableName: "Base", key: ["pk": S("b"), "sk": S("1")], updateExpression: "SET r = :r", expressionAttributeValues: [":r": N("0")]),
            durability: .synced)
        try tables.updateItem(
            UpdateItemRequest(tableName: "Base", key: ["pk": S("a"), "sk": S("1")], updateExpression: "SET g = :g", expressionAttributeValues: [":g": S("H")]),
            durability: .synced)
        #expect(try Self.indexItems(tables).map { $0["pk"] } == [S("b")])
        #expect(try Self.indexItems(tables, g: "H").map { $0["pk"] } == [S("a")])
        // Removing a key attribute removes the entry; deleting the item removes the entry.
        try tables.updateItem(
            UpdateItemRequest(tableName: "Base", key: ["pk": S("b"), "sk": S("1")], updateExpression: "REMOVE r"), durability: .synced)
        try tables.deleteItem(DeleteItemRequest(tableName: "Base", key: ["pk": S("a"), "sk": S("1")]), durability: .synced)
        #expect(try Self.indexItems(tables).isEmpty)
        #expect(try Self.indexItems(tables, g: "H").isEmpty)
        // A put replacing an indexed item by an unindexed one removes it.
        try tables.put("Base", ["pk": S("d"), "sk": S("1"), "g": S("G"), "r": N("5")])
        try tables.put("Base", ["pk": S("d"), "sk": S("1")])
        #expect(try tables.scan(ScanRequest(tableName: "Base", indexName: "all")).count == 0)
        #expect(try tables.scan(ScanRequest(tableName: "Base", indexName: "keys")).count == 0)
    }

    @Test func rule49_badIndexKeyValuesWriteNothing() throws {
        let fixture = try Self.fixture()
        let tables = fixture.tables
        let key: Item = ["pk": S("a"), "sk": S("1")]
        try tables.put("Base", key.merging(["g": S("G"), "r": N("1"), "v": N("0")]) { $1 })
        let bad: [Item] = [["g": N("1")], ["r": S("one")], ["g": S("")], ["h": B([1])], ["h": S("")]]
        for attributes in bad {
            let put = dynamoError { try tables.put("Base", key.merging(attributes) { $1 }) }
            #expect(put?.code == .validation, "put \(attributes)")
            let (name, value) = attributes.first!
            let update = dynamoError {
                try tables.updateItem(
                    UpdateItemRequest(tableName: "Base", key: key, updateExpression: "SET #n = :v, v = :one",
                                      expressionAttributeNames: ["#n": name], expressionAttributeValues: [":v": value, ":one": N("1")]),
                    durability: .synced)
            }
            #expect(update?.code == .validation, "update \(attributes)")
        }
        #expect(try tables.get("Base", key) == key.merging(["g": S("G"), "r": N("1"), "v": N("0")]) { $1 })
        #expect(try Self.indexItems(tables).count == 1)
    }

    @Test func rule50_projectionsStoreWhatTheyPromise() throws {
        let fixture = try Self.fixture()
        let item: Item = ["pk": S("a"), "sk": S("1"), "g": S("G"), "r": N("1"), "a": S("kept"), "b": S("dropped")]
        try fixture.tables.put("Base", item)
        #expect(try Self.indexItems(fixture.tables, "keys") == [["pk": S("a"), "sk": S("1"), "g": S("G"), "r": N("1")]])
        #expect(try Self.indexItems(fixture.tables, "incl") == [["pk": S("a"), "sk": S("1"), "g": S("G"), "r": N("1"), "a": S("kept")]])
        #expect(try Self.indexItems(fixture.tables, "all") == [item])
        let error = dynamoError {
            _ = try fixture.tables.query(QueryRequest(
                tableName: "Base", indexName: "keys", keyConditionExpression: "g = :g", expressionAttributeValues: [":g": S("G")],
                select: .allAttributes))
        }
        #expect(error?.code == .validation)
    }

    @Test func rule51_equalIndexKeysAreAllKept() throws {
        let fixture = try Self.fixture()
        for index in 0..<25 {
            try fixture.tables.put("Base", ["pk": S("p\(index)"), "sk": S("s\(index % 3)"), "g": S("G"), "r": N("\(index % 2)"), "h": S("H")])
        }
        let items = try Self.indexItems(fixture.tables)
        #expect(items.count == 25)
        #expect(Set(items.map { $0["pk"]! }).count == 25)
        #expect(items.map { $0["r"]! } == Array(repeating: N("0"), count: 13) + Array(repeating: N("1"), count: 12))
        for limit in [1, 2, 5, 24, 25] {
            for forward in [true, false] {
                let paged = try fixture.tables.queryAll(QueryRequest(
                    tableName: "Base", indexName: "all", keyConditionExpression: "g = :g", expressionAttributeValues: [":g": S("G")],
                    limit: limit, scanIndexForward: forward)).items
                #expect(paged == (forward ? items : items.reversed()), "limit \(limit) forward \(forward)")
                let hashOnly = try fixture.tables.queryAll(QueryRequest(
                    tableName: "Base", indexName: "by-h", keyConditionExpression: "h = :h", expressionAttributeValues: [":h": S("H")],
                    limit: limit, scanIndexForward: forward)).items
                #expect(hashOnly.count == 25)
            }
        }
    }

    @Test func rule52_consistentReadOnAGSIAndUnknownIndexesAreRejected() throws {
        let fixture = try Self.fixture()
        let query = QueryRequest(
            tableName: "Base", indexName: "all", keyConditionExpression: "g = :g", expressionAttributeValues: [":g": S("G")],
            consistentRead: true)
        #expect(dynamoError { _ = try fixture.tables.query(query) }?.code == .validation)
        var unknown = query
        unknown.consistentRead = false
        unknown.indexName = "nope-index"
        #expect(dynamoError { _ = try fixture.tables.query(unknown) }?.code == .validation)
        // The key condition must use the index's own keys.
        let tableKeys = QueryRequest(
            tableName: "Base", indexName: "all", keyConditionExpression: "pk = :p", expressionAttributeValues: [":p": S("a")])
        #expect(dynamoError { _ = try fixture.tables.query(tableKeys) }?.code == .validation)
        #expect(dynamoError { _ = try fixture.tables.scan(ScanRequest(tableName: "Base", indexName: "all", consistentRead: true)) }?.code == .validation)
    }

    @Test func rule53_scanOnAnIndexReturnsOnlyIndexedItems() throws {
        let fixture = try Self.fixture()
        try fixture.tables.put("Base", ["pk": S("a"), "sk": S("1"), "h": S("x")])
        try fixture.tables.put("Base", ["pk": S("b"), "sk": S("1")])
        try fixture.tables.put("Base", ["pk": S("c"), "sk": S("1"), "h": S("y")])
        let scanned = try fixture.tables.scanAll(ScanRequest(tableName: "Base", indexName: "by-h", limit: 1))
        #expect(Set(scanned.items.map { $0["pk"]! }) == [S("a"), S("c")])
    }

    @Test func localIndexesOrderByTheirSortKeyAndFetchUnprojectedAttributes() throws {
        let fixture = try TableFixture()
        let local = LocalSecondaryIndex(
            indexName: "by-time",
            keySchema: [KeySchemaElement(attributeName: "pk", keyType: .hash), KeySchemaElement(attributeName: "t", keyType: .range)],
            projection: .keysOnly)
        try fixture.tables.createTable(
            keyedTable("Local", sk: "sk", localIndexes: [local], extraDefinitions: [AttributeDefinition(attributeName: "t", attributeType: .number)]),
            durability: .synced)
        for index in 0..<6 {
            try fixture.tables.put("Local", ["pk": S("p"), "sk": S("s\(index)"), "t": N("\(10 - index)"), "body": S("b\(index)")])
        }
        let request = QueryRequest(
            tableName: "Local", indexName: "by-time", keyConditionExpression: "pk = :p AND t > :t",
            expressionAttributeValues: [":p": S("p"), ":t": N("6")], consistentRead: true)
        let keysOnly = try fixture.tables.query(request)
        #expect(keysOnly.items.map { $0["sk"] } == [S("s3"), S("s2"), S("s1"), S("s0")])
        #expect(keysOnly.items.allSatisfy { $0["body"] == nil })
        var everything = request
        everything.select = .allAttributes
        let fetched = try fixture.tables.query(everything)
        #expect(fetched.items.map { $0["body"] } == [S("b3"), S("b2"), S("b1"), S("b0")])
        var projected = request
        projected.projectionExpression = "body"
        projected.limit = 2
        #expect(try fixture.tables.queryAll(projected).items == [["body": S("b3")], ["body": S("b2")], ["body": S("b1")], ["body": S("b0")]])
    }
}
