import Testing
import TernEngine
@testable import TernTables

/// Rules 1-5 of docs/dynamodb-semantics.md: tables.
@Suite struct TableRulesTests {
    static func gameScores() -> CreateTableRequest {
        keyedTable(
            "GameScores", pk: "user", sk: "game",
            globalIndexes: [
                gsi("by-score", "game", "score", projection: .include(["level", "badge"])),
                gsi("by-level", "level", projection: .keysOnly),
            ],
            extraDefinitions: [
                AttributeDefinition(attributeName: "score", attributeType: .number),
                AttributeDefinition(attributeName: "level", attributeType: .number),
            ])
    }

    @Test func rule1_createAndDescribeReportTheDefinition() throws {
        let fixture = try TableFixture()
        let created = try fixture.tables.createTable(Self.gameScores(), durability: .synced).tableDescription
        for description in [created, try fixture.tables.describeTable(DescribeTableRequest(tableName: "GameScores")).table] {
            #expect(description.tableName == "GameScores")
            #expect(description.keySchema == [
                KeySchemaElement(attributeName: "user", keyType: .hash), KeySchemaElement(attributeName: "game", keyType: .range),
            ])
            #expect(Set(description.attributeDefinitions.map(\.attributeName)) == ["user", "game", "score", "level"])
            #expect(description.tableStatus == .active)
            let indexes = try #require(description.globalSecondaryIndexes)
            #expect(indexes.map(\.indexName) == ["by-score", "by-level"])
            #expect(indexes[0].keySchema.first?.keyType == .hash)
            #expect(indexes[0].keySchema.map(\.attributeName) == ["game", "score"])
            #expect(indexes[0].projection == .include(["level", "badge"]))
            #expect(indexes[1].projection.projectionType == .keysOnly)
            #expect(indexes.allSatisfy { $0.indexStatus == "ACTIVE" })
        }
        // The definition survives a reopen.
        try fixture.reopen()
        #expect(try fixture.tables.describeTable(DescribeTableRequest(tableName: "GameScores")).table == created)
    }

    @Test func rule2_existingTableIsInUseAndMissingTableIsNotFound() throws {
        let fixture = try TableFixture()
        let tables = fixture.tables
        try tables.createTable(keyedTable("Present"), durability: .synced)
        #expect(dynamoError { try tables.createTable(keyedTable("Present"), durability: .synced) }?.code == .resourceInUse)
        let missing = "Missing"
        let key: Item = ["pk": S("a")]
        let operations: [(String, () throws -> Void)] = [
            ("DescribeTable", { _ = try tables.describeTable(DescribeTableRequest(tableName: missing)) }),
            ("DeleteTable", { try tables.deleteTable(DeleteTableRequest(tableName: missing), durability: .synced) }),
            ("GetItem", { _ = try tables.getItem(GetItemRequest(tableName: missing, key: key)) }),
            ("PutItem", { try tables.putItem(PutItemRequest(tableName: missing, item: key), durability: .synced) }),
            ("UpdateItem", { try tables.updateItem(UpdateItemRequest(tableName: missing, key: key), durability: .synced) }),
            ("DeleteItem", { try tables.deleteItem(DeleteItemRequest(tableName: missing, key: key), durability: .synced) }),
            ("Query", {
                _ = try tables.query(QueryRequest(
                    tableName: missing, keyConditionExpression: "pk = :p", expressionAttributeValues: [":p": S("a")]))
            }),
            ("Scan", { _ = try tables.scan(ScanRequest(tableName: missing)) }),
            ("BatchWriteItem", {
                try tables.batchWriteItem(BatchWriteItemRequest(requestItems: [missing: [.put(item: key)]]), durability: .synced)
            }),
        ]
        for (name, operation) in operations {
            #expect(dynamoError(operation)?.code == .resourceNotFound, "\(name)")
        }
    }

    @Test func rule3_createTableValidatesDefinitions() throws {
        let fixture = try TableFixture()
        let hash = KeySchemaElement(attributeName: "pk", keyType: .hash)
        let string = AttributeDefinition(attributeName: "pk", attributeType: .string)
        let cases: [(String, CreateTableRequest)] = [
            ("key attribute not defined", CreateTableRequest(tableName: "T1", keySchema: [hash], attributeDefinitions: [])),
            ("definition used by no key", CreateTableRequest(
                tableName: "T2", keySchema: [hash],
                attributeDefinitions: [string, AttributeDefinition(attributeName: "extra", attributeType: .number)])),
            ("two HASH keys", CreateTableRequest(
                tableName: "T3", keySchema: [hash, KeySchemaElement(attributeName: "sk", keyType: .hash)],
                attributeDefinitions: [string, AttributeDefinition(attributeName: "sk", attributeType: .string)])),
            ("RANGE first", CreateTableRequest(
                tableName: "T4", keySchema: [KeySchemaElement(attributeName: "pk", keyType: .range)], attributeDefinitions: [string])),
            ("GSI key not defined", keyedTable("T5", globalIndexes: [gsi("g-index", "g")])),
            ("LSI on a hash-only table", keyedTable(
                "T6", localIndexes: [LocalSecondaryIndex(
                    indexName: "l-index", keySchema: [hash, KeySchemaElement(attributeName: "l", keyType: .range)], projection: .all)],
                extraDefinitions: [AttributeDefinition(attributeName: "l", attributeType: .string)])),
            ("INCLUDE without attributes", keyedTable(
                "T7", globalIndexes: [gsi("g-index", "g", projection: Projection(projectionType: .include))],
                extraDefinitions: [AttributeDefinition(attributeName: "g", attributeType: .string)])),
            ("short name", keyedTable("T")),
        ]
        for (name, request) in cases {
            let error = dynamoError { try fixture.tables.createTable(request, durability: .synced) }
            #expect(error?.code == .validation, "\(name): \(String(describing: error))")
        }
        // An AttributeType outside S/N/B is refused where it is parsed.
        for text in ["BOOL", "SS", "L", "s"] {
            #expect(dynamoError { _ = try ScalarAttributeType(parsing: text) }?.code == .validation, "\(text)")
        }
        #expect(try ScalarAttributeType(parsing: "N") == .number)
        #expect(try fixture.tables.listTables(ListTablesRequest()).tableNames.isEmpty)
    }

    @Test func rule4_bothBillingModesAreAccepted() throws {
        let fixture = try TableFixture()
        var provisioned = keyedTable("Provisioned")
        provisioned.billingMode = nil
        provisioned.provisionedThroughput = ProvisionedThroughput(readCapacityUnits: 5, writeCapacityUnits: 5)
        let described = try fixture.tables.createTable(provisioned, durability: .synced).tableDescription
        #expect(described.billingMode == .provisioned)
        #expect(described.provisionedThroughput == ProvisionedThroughput(readCapacityUnits: 5, writeCapacityUnits: 5))
        var onDemand = keyedTable("OnDemand")
        onDemand.billingMode = .payPerRequest
        #expect(try fixture.tables.createTable(onDemand, durability: .synced).tableDescription.billingMode == .payPerRequest)
    }

    @Test func rule5_listTablesPagesAndRecreatedTablesAreEmpty() throws {
        let fixture = try TableFixture()
        let names = (0..<7).map { "Table\($0)" }
        for name in names.reversed() { try fixture.tables.createTable(keyedTable(name), durability: .synced) }
        var listed: [String] = []
        var start: String?
        repeat {
            let page = try fixture.tables.listTables(ListTablesRequest(limit: 3, exclusiveStartTableName: start))
            #expect(page.tableNames.count <= 3)
            listed += page.tableNames
            start = page.lastEvaluatedTableName
        } while start != nil
        #expect(listed == names)
        #expect(dynamoError { _ = try fixture.tables.listTables(ListTablesRequest(limit: 0)) }?.code == .validation)

        try fixture.tables.put("Table3", ["pk": S("kept?"), "v": N("1")])
        try fixture.tables.deleteTable(DeleteTableRequest(tableName: "Table3"), durability: .synced)
        #expect(!(try fixture.tables.listTables(ListTablesRequest()).tableNames.contains("Table3")))
        try fixture.tables.createTable(keyedTable("Table3"), durability: .synced)
        #expect(try fixture.tables.get("Table3", ["pk": S("kept?")]) == nil)
        #expect(try fixture.tables.scan(ScanRequest(tableName: "Table3")).items.isEmpty)
        try fixture.reopen()
        #expect(try fixture.tables.scan(ScanRequest(tableName: "Table3")).items.isEmpty)
        #expect(try fixture.tables.listTables(ListTablesRequest()).tableNames == names)
    }

    @Test func deleteTableRemovesAllTheData() throws {
        let fixture = try TableFixture()
        try fixture.tables.createTable(Self.gameScores(), durability: .synced)
        for index in 0..<50 {
            try fixture.tables.put("GameScores", ["user": S("u\(index)"), "game": S("g"), "score": N("\(index)"), "level": N("1")])
        }
        let id = try fixture.tables.describeTable(DescribeTableRequest(tableName: "GameScores")).table.tableID
        let deleted = try fixture.tables.deleteTable(DeleteTableRequest(tableName: "GameScores"), durability: .synced)
        #expect(deleted.tableDescription.tableStatus == .deleting)
        let range = KeyLayout.tableRange(id)
        #expect(try fixture.tables.store.scan(lowerBound: range.lower, upperBound: range.upper).isEmpty)
    }
}
