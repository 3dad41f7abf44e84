import Testing
import TernEngine
@testable import TernTables

/// Rules 55-58 of docs/dynamodb-semantics.md: batches and transactions.
@Suite struct BatchRulesTests {
    static func fixture() throws -> TableFixture {
        let fixture = try TableFixture()
        try fixture.tables.createTable(keyedTable("First"), durability: .synced)
        try fixture.tables.createTable(keyedTable("Second", sk: "sk", .number), durability: .synced)
        return fixture
    }

    @Test func rule55_batchWriteIsValidatedAsAWhole() throws {
        let fixture = try Self.fixture()
        let tables = fixture.tables
        try tables.put("First", ["pk": S("gone")])
        let response = try tables.batchWriteItem(
            BatchWriteItemRequest(requestItems: [
                "First": [.put(item: ["pk": S("a"), "v": N("1")]), .delete(key: ["pk": S("gone")])],
                "Second": [.put(item: ["pk": S("a"), "sk": N("1")])],
            ]), durability: .synced)
        #expect(response.unprocessedItems.isEmpty)
        #expect(try tables.get("First", ["pk": S("a")]) == ["pk": S("a"), "v": N("1")])
        #expect(try tables.get("First", ["pk": S("gone")]) == nil)
        #expect(try tables.get("Second", ["pk": S("a"), "sk": N("1")]) != nil)

        let failures: [(String, [String: [WriteRequest]], DynamoError.Code)] = [
            ("26 requests", ["First": (0..<26).map { .put(item: ["pk": S("k\($0)")]) }], .validation),
            ("duplicate keys", ["First": [.put(item: ["pk": S("x")]), .delete(key: ["pk": S("x")])]], .validation),
            ("an invalid item", ["First": [.put(item: ["pk": S("y")]), .put(item: ["pk": N("1")])]], .validation),
            ("an invalid key", ["First": [.put(item: ["pk": S("y")]), .delete(key: ["pk": S("y"), "extra": S("z")])]], .validation),
            ("a missing table", ["First": [.put(item: ["pk": S("y")])], "Nowhere": [.put(item: ["pk": S("y")])]], .resourceNotFound),
        ]
        for (name, items, code) in failures {
            #expect(dynamoError { try tables.batchWriteItem(BatchWriteItemRequest(requestItems: items), durability: .synced) }?.code == code, "\(name)")
        }
        #expect(try tables.scan(ScanRequest(tableName: "First")).items == [["pk": S("a"), "v": N("1")]])
    }

    @Test func rule56_batchGetReadsByTableAndRejectsDuplicates() throws {
        let fixture = try Self.fixture()
        let tables = fixture.tables
        for index in 0..<5 { try tables.put("First", ["pk": S("k\(index)"), "v": N("\(index)"), "w": S("x")]) }
        try tables.put("Second", ["pk": S("a"), "sk": N("1"), "name": S("n")])
        let response = try tables.batchGetItem(BatchGetItemRequest(requestItems: [
            "First": KeysAndAttributes(keys: [["pk": S("k1")], ["pk": S("absent")], ["pk": S("k3")]], projectionExpression: "#v",
                                       expressionAttributeNames: ["#v": "v"], consistentRead: true),
            "Second": KeysAndAttributes(keys: [["pk": S("a"), "sk": N("1")]]),
        ]))
        #expect(response.responses["First"] == [["v": N("1")], ["v": N("3")]])
        #expect(response.responses["Second"] == [["pk": S("a"), "sk": N("1"), "name": S("n")]])
        #expect(response.unprocessedKeys.isEmpty)
        let duplicate = dynamoError {
            _ = try tables.batchGetItem(BatchGetItemRequest(requestItems: ["First": KeysAndAttributes(keys: [["pk": S("k1")], ["pk": S("k1")]])]))
        }
        #expect(duplicate?.code == .validation)
        let tooMany = dynamoError {
            _ = try tables.batchGetItem(BatchGetItemRequest(requestItems: [
                "First": KeysAndAttributes(keys: (0..<101).map { ["pk": S("k\($0)")] }),
            ]))
        }
        #expect(tooMany?.code == .validation)
        let hundred = try tables.batchGetItem(BatchGetItemRequest(requestItems: [
            "First": KeysAndAttributes(keys: (0..<100).map { ["pk": S("k\($0)")] }),
        ]))
        #expect(hundred.responses["First"]?.count == 5)
    }

    @Test func rule57_transactionsAreAllOrNothing() throws {
        let fixture = try Self.fixture()
        let tables = fixture.tables
        try tables.put("First", ["pk": S("balance"), "v": N("10")])
        try tables.put("First", ["pk": S("doomed")])
        try tables.put("First", ["pk": S("guard"), "v": N("1")])
        let condition = "v >= :amount"
        let values: [String: AttributeValue] = [":amount": N("4")]
        try tables.transactWriteItems(
            TransactWriteItemsRequest(transactItems: [
                .update(TransactUpdate(
                    tableName: "First", key: ["pk": S("balance")], updateExpression: "SET v = v - :amount", conditionExpression: condition,
                    expressionAttributeValues: values)),
                .put(TransactPut(tableName: "Second", item: ["pk": S("log"), "sk": N("1")], conditionExpression: "attribute_not_exists(pk)")),
                .delete(TransactDelete(tableName: "First", key: ["pk": S("doomed")])),
                .conditionCheck(ConditionCheck(tableName: "First", key: ["pk": S("guard")], conditionExpression: "attribute_exists(v)")),
            ]), durability: .synced)
        #expect(try tables.get("First", ["pk": S("balance")])?["v"] == N("6"))
        #expect(try tables.get("First", ["pk": S("doomed")]) == nil)

        // The second condition fails: nothing is written, one reason per request in order.
        let error = dynamoError {
            try tables.transactWriteItems(
                TransactWriteItemsRequest(transactItems: [
                    .update(TransactUpdate(
                        tableName: "First", key: ["pk": S("balance")], updateExpression: "SET v = v - :amount", conditionExpression: condition,
                        expressionAttributeValues: values)),
                    .put(TransactPut(
                        tableName: "Second", item: ["pk": S("log"), "sk": N("1"), "again": .bool(true)], conditionExpression: "attribute_not_exists(pk)",
                        returnValuesOnConditionCheckFailure: .allOld)),
                    .put(TransactPut(tableName: "First", item: ["pk": S("new")])),
                ]), durability: .synced)
        }
        #expect(error?.code == .transactionCanceled)
        #expect(error?.cancellationReasons.map(\.code) == ["None", "ConditionalCheckFailed", "None"])
        #expect(error?.cancellationReasons[1].item == ["pk": S("log"), "sk": N("1")])
        #expect(try tables.get("First", ["pk": S("balance")])?["v"] == N("6"))
        #expect(try tables.get("First", ["pk": S("new")]) == nil)

        let twice = dynamoError {
            try tables.transactWriteItems(
                TransactWriteItemsRequest(transactItems: [
                    .put(TransactPut(tableName: "First", item: ["pk": S("same")])),
                    .conditionCheck(ConditionCheck(tableName: "First", key: ["pk": S("same")], conditionExpression: "attribute_not_exists(pk)")),
                ]), durability: .synced)
        }
        #expect(twice?.code == .validation)
        #expect(try tables.get("First", ["pk": S("same")]) == nil)
    }

    @Test func rule58_transactGetAnswersInOrder() throws {
        let fixture = try Self.fixture()
        try fixture.tables.put("First", ["pk": S("a"), "v": N("1"), "w": N("2")])
        try fixture.tables.put("Second", ["pk": S("b"), "sk": N("3"), "v": N("4")])
        let response = try fixture.tables.transactGetItems(TransactGetItemsRequest(transactItems: [
            TransactGet(tableName: "Second", key: ["pk": S("b"), "sk": N("3")]),
            TransactGet(tableName: "First", key: ["pk": S("missing")]),
            TransactGet(tableName: "First", key: ["pk": S("a")], projectionExpression: "w"),
        ]))
        #expect(response.responses == [
            ItemResponse(item: ["pk": S("b"), "sk": N("3"), "v": N("4")]), ItemResponse(item: nil), ItemResponse(item: ["w": N("2")]),
        ])
    }

    @Test func concurrentConditionalIncrementsAreAtomic() async throws {
        let fixture = try Self.fixture()
        let tables = fixture.tables
        try tables.put("First", ["pk": S("counter"), "n": N("0")])
        let workers = 4
        let attempts = 50
        let successes = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<workers {
                group.addTask {
                    var won = 0
                    for _ in 0..<attempts {
                        // Read-then-conditional-write: succeeds only if nobody wrote in between.
                        guard case .number(let seen)? = try? tables.get("First", ["pk": S("counter")])?["n"] else { continue }
                        let current = AttributeValue.number(seen)
                        let next = try! seen.adding(Number(1))
                        let outcome = dynamoError {
                            try tables.putItem(
                                PutItemRequest(
                                    tableName: "First", item: ["pk": S("counter"), "n": .number(next)], conditionExpression: "n = :seen",
                                    expressionAttributeValues: [":seen": current]), durability: .buffered)
                        }
                        if outcome == nil { won += 1 }
                    }
                    return won
                }
            }
            return await group.reduce(0, +)
        }
        #expect(try tables.get("First", ["pk": S("counter")])?["n"] == N("\(successes)"))
        #expect(successes >= 1)
    }
}
