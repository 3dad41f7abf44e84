import Testing
import TernEngine
@testable import TernTables

/// Rules 7-10, 18, 30-31 of docs/dynamodb-semantics.md: item operations and conditions.
@Suite struct ItemRulesTests {
    static func fixture() throws -> TableFixture {
        let fixture = try TableFixture()
        try fixture.tables.createTable(keyedTable("Items", sk: "sk"), durability: .synced)
        try fixture.tables.createTable(keyedTable("Numbers", pk: "id", .number), durability: .synced)
        return fixture
    }

    @Test func rule7_getOfAnAbsentItemHasNoItem() throws {
        let fixture = try Self.fixture()
        let response = try fixture.tables.getItem(GetItemRequest(tableName: "Items", key: ["pk": S("a"), "sk": S("b")]))
        #expect(response.item == nil)
        #expect(response == GetItemResponse(item: nil))
    }

    @Test func rule8_putReplacesTheWholeItemAndReturnsOnlyAllOld() throws {
        let fixture = try Self.fixture()
        let tables = fixture.tables
        let key: Item = ["pk": S("a"), "sk": S("b")]
        let first = try tables.putItem(
            PutItemRequest(tableName: "Items", item: key.merging(["x": N("1"), "y": S("old")]) { $1 }, returnValues: .allOld),
            durability: .synced)
        #expect(first.attributes == nil)
        let second = try tables.putItem(
            PutItemRequest(tableName: "Items", item: key.merging(["z": .bool(true)]) { $1 }, returnValues: .allOld), durability: .synced)
        #expect(second.attributes == key.merging(["x": N("1"), "y": S("old")]) { $1 })
        #expect(try tables.get("Items", key) == key.merging(["z": .bool(true)]) { $1 })
        for value in [ReturnValue.allNew, .updatedOld, .updatedNew] {
            let error = dynamoError {
                try tables.putItem(PutItemRequest(tableName: "Items", item: key, returnValues: value), durability: .synced)
            }
            #expect(error?.code == .validation, "\(value)")
        }
        #expect(try tables.get("Items", key) == key.merging(["z": .bool(true)]) { $1 })
    }

    @Test func rule9_deleteOfAnAbsentItemSucceedsAndReturnsTheDeletedItem() throws {
        let fixture = try Self.fixture()
        let key: Item = ["pk": S("a"), "sk": S("b")]
        let absent = try fixture.tables.deleteItem(DeleteItemRequest(tableName: "Items", key: key, returnValues: .allOld), durability: .synced)
        #expect(absent.attributes == nil)
        try fixture.tables.put("Items", key.merging(["v": N("7")]) { $1 })
        let deleted = try fixture.tables.deleteItem(DeleteItemRequest(tableName: "Items", key: key, returnValues: .allOld), durability: .synced)
        #expect(deleted.attributes == key.merging(["v": N("7")]) { $1 })
        #expect(try fixture.tables.get("Items", key) == nil)
        #expect(dynamoError {
            try fixture.tables.deleteItem(DeleteItemRequest(tableName: "Items", key: key, returnValues: .allNew), durability: .synced)
        }?.code == .validation)
    }

    @Test func rule10_keysMustMatchTheSchemaExactly() throws {
        let fixture = try Self.fixture()
        let tables = fixture.tables
        let badKeys: [Item] = [
            ["pk": S("a")],  // missing sort key
            ["pk": S("a"), "sk": S("b"), "extra": S("c")],  // extra attribute
            ["pk": N("1"), "sk": S("b")],  // wrong type
            ["pk": S("a"), "sk": B([1])],  // wrong type
        ]
        for key in badKeys {
            #expect(dynamoError { _ = try tables.getItem(GetItemRequest(tableName: "Items", key: key)) }?.code == .validation, "get \(key)")
            #expect(dynamoError { try tables.deleteItem(DeleteItemRequest(tableName: "Items", key: key), durability: .synced) }?.code == .validation)
        }
        // Put: the item must hold the key attributes with their types (extra attributes are fine).
        for item in [["pk": S("a")], ["pk": N("1"), "sk": S("b")], ["sk": S("b")]] as [Item] {
            #expect(dynamoError { try tables.put("Items", item) }?.code == .validation, "put \(item)")
        }
        #expect(try tables.scan(ScanRequest(tableName: "Items")).items.isEmpty)
        // Numbers in keys compare by value: 7.0 and 7 are one key.
        try tables.put("Numbers", ["id": N("7.0"), "v": S("x")])
        #expect(try tables.get("Numbers", ["id": N("7")]) == ["id": N("7"), "v": S("x")])
    }

    @Test func rule18_updateIsAnUpsert() throws {
        let fixture = try Self.fixture()
        let key: Item = ["pk": S("new"), "sk": S("item")]
        let response = try fixture.tables.updateItem(
            UpdateItemRequest(
                tableName: "Items", key: key, updateExpression: "SET v = :v ADD c :one",
                expressionAttributeValues: [":v": S("hello"), ":one": N("1")], returnValues: .allNew),
            durability: .synced)
        let expected = key.merging(["v": S("hello"), "c": N("1")]) { $1 }
        #expect(response.attributes == expected)
        #expect(try fixture.tables.get("Items", key) == expected)
        // All five ReturnValues.
        let update = { (returnValues: ReturnValue) throws -> Item? in
            try fixture.tables.updateItem(
                UpdateItemRequest(
                    tableName: "Items", key: key, updateExpression: "SET v = :v, w = :w",
                    expressionAttributeValues: [":v": S("again"), ":w": N("2")], returnValues: returnValues),
                durability: .synced
            ).attributes
        }
        #expect(try update(.none) == nil)
        #expect(try update(.allOld) == expected.merging(["v": S("again"), "w": N("2")]) { $1 })
        #expect(try update(.updatedOld) == ["v": S("again"), "w": N("2")])
        #expect(try update(.updatedNew) == ["v": S("again"), "w": N("2")])
        #expect(try update(.allNew) == expected.merging(["v": S("again"), "w": N("2")]) { $1 })
    }

    @Test func rule30_failedConditionsChangeNothing() throws {
        let fixture = try Self.fixture()
        let tables = fixture.tables
        let key: Item = ["pk": S("a"), "sk": S("b")]
        let original = key.merging(["v": N("1")]) { $1 }
        try tables.put("Items", original)
        let failing = "v = :two"
        let values: [String: AttributeValue] = [":two": N("2")]
        let put = dynamoError {
            try tables.putItem(
                PutItemRequest(
                    tableName: "Items", item: key, conditionExpression: failing, expressionAttributeValues: values,
                    returnValuesOnConditionCheckFailure: .allOld), durability: .synced)
        }
        #expect(put?.code == .conditionalCheckFailed)
        #expect(put?.item == original)
        let update = dynamoError {
            try tables.updateItem(
                UpdateItemRequest(
                    tableName: "Items", key: key, updateExpression: "SET w = :two", conditionExpression: failing,
                    expressionAttributeValues: values), durability: .synced)
        }
        #expect(update?.code == .conditionalCheckFailed)
        #expect(update?.item == nil)
        let delete = dynamoError {
            try tables.deleteItem(
                DeleteItemRequest(
                    tableName: "Items", key: key, conditionExpression: failing, expressionAttributeValues: values,
                    returnValuesOnConditionCheckFailure: .allOld), durability: .synced)
        }
        #expect(delete?.code == .conditionalCheckFailed)
        #expect(delete?.item == original)
        #expect(try tables.get("Items", key) == original)
        // A failed conditional update does not upsert.
        let absent: Item = ["pk": S("absent"), "sk": S("x")]
        let upsert = dynamoError {
            try tables.updateItem(
                UpdateItemRequest(
                    tableName: "Items", key: absent, updateExpression: "SET w = :two", conditionExpression: "attribute_exists(pk)",
                    expressionAttributeValues: values, returnValuesOnConditionCheckFailure: .allOld), durability: .synced)
        }
        #expect(upsert?.code == .conditionalCheckFailed)
        #expect(upsert?.item == nil)
        #expect(try tables.get("Items", absent) == nil)
    }

    @Test func rule31_attributeNotExistsChecksOnlyTheFullKey() throws {
        let fixture = try Self.fixture()
        try fixture.tables.put("Items", ["pk": S("p"), "sk": S("one")])
        let request = PutItemRequest(
            tableName: "Items", item: ["pk": S("p"), "sk": S("two")], conditionExpression: "attribute_not_exists(pk)")
        try fixture.tables.putItem(request, durability: .synced)
        #expect(dynamoError { try fixture.tables.putItem(request, durability: .synced) }?.code == .conditionalCheckFailed)
        #expect(try fixture.tables.scan(ScanRequest(tableName: "Items")).count == 2)
    }

    @Test func itemsSurviveReopen() throws {
        let fixture = try Self.fixture()
        for index in 0..<200 {
            try fixture.tables.put("Items", ["pk": S("p\(index % 7)"), "sk": S("s\(index)"), "n": N("\(index)")])
        }
        try fixture.reopen()
        for index in 0..<200 {
            #expect(try fixture.tables.get("Items", ["pk": S("p\(index % 7)"), "sk": S("s\(index)")])?["n"] == N("\(index)"))
        }
    }
}
