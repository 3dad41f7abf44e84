import Glibc
import Testing
import TernClient
import TernTables

/// The client against moto's DynamoDB server (another implementation of the API than Tern's),
/// when `tools/test-moto` started one and named it in `TERN_MOTO_ENDPOINT`; skipped otherwise
/// (the plain `swift test` run has no moto).
@Suite(.enabled(if: getenv("TERN_MOTO_ENDPOINT") != nil, "needs TERN_MOTO_ENDPOINT (tools/test-moto starts moto's server)"))
struct MotoSmokeTests {
    struct Message: Codable, Sendable, Equatable {
        var conversation: String
        var id: String
        var text: String
    }

    @Test("create, write, read, page, update, transact and fail with DynamoDB's names against moto")
    func smoke() async throws {
        let endpoint = String(cString: getenv("TERN_MOTO_ENDPOINT")!)
        let tables = try TableClient(configuration: ClientTestSupport.configuration(
            endpoint, credentials: SigningCredentials(accessKeyID: "testing", secretAccessKey: "testing")))
        let name = "Messages\(getpid())"
        let created = try await tables.createTableIfNotExists(CreateTableRequest(
            tableName: name,
            keySchema: [KeySchemaElement(attributeName: "conversation", keyType: .hash), KeySchemaElement(attributeName: "id", keyType: .range)],
            attributeDefinitions: [AttributeDefinition(attributeName: "conversation", attributeType: .string),
                                   AttributeDefinition(attributeName: "id", attributeType: .string)],
            billingMode: .payPerRequest), durability: .synced)
        #expect(created.tableDescription.tableName == name)
        #expect(try await tables.listTables(ListTablesRequest()).tableNames.contains(name))
        for index in 0..<25 {
            try await tables.put(Message(conversation: "c1", id: "m\(100 + index)", text: "hello \(index)"), into: name, durability: .synced)
        }
        let one = try await tables.get(Message.self, from: name, key: ["conversation": "c1", "id": "m107"])
        #expect(one == Message(conversation: "c1", id: "m107", text: "hello 7"))
        let query = QueryRequest(
            tableName: name, keyConditionExpression: "conversation = :c", expressionAttributeValues: [":c": "c1"], limit: 10,
            scanIndexForward: false)
        var pages = 0
        var ids: [String] = []
        for try await page in tables.queryPages(query) {
            pages += 1
            ids += try page.items(as: Message.self).map(\.id)
        }
        #expect(pages >= 3 && ids == (100..<125).reversed().map { "m\($0)" })
        let updated = try await tables.updateItem(UpdateItemRequest(
            tableName: name, key: ["conversation": "c1", "id": "m100"], updateExpression: "ADD likes :one", expressionAttributeValues: [":one": 1],
            returnValues: .updatedNew), durability: .synced)
        #expect(updated.attributes == ["likes": 1])
        await #expect {
            try await tables.putItem(PutItemRequest(
                tableName: name, item: ["conversation": "c1", "id": "m100"], conditionExpression: "attribute_not_exists(id)"), durability: .synced)
        } throws: { ($0 as? DynamoError)?.code == .conditionalCheckFailed }
        try await tables.transactWriteItems(TransactWriteItemsRequest(transactItems: [
            .put(TransactPut(tableName: name, item: ["conversation": "c2", "id": "m1"])),
            .delete(TransactDelete(tableName: name, key: ["conversation": "c1", "id": "m101"])),
        ]), durability: .synced)
        let batch = try await tables.batchGetItem(BatchGetItemRequest(requestItems: [
            name: KeysAndAttributes(keys: [["conversation": "c2", "id": "m1"], ["conversation": "c1", "id": "m101"]])
        ]))
        #expect(batch.responses[name]?.count == 1)
        await #expect { _ = try await tables.describeTable(DescribeTableRequest(tableName: "Nope\(getpid())")) } throws: {
            ($0 as? DynamoError)?.code == .resourceNotFound
        }
        try await tables.deleteTable(DeleteTableRequest(tableName: name), durability: .synced)
        try await tables.shutdown()
    }
}
