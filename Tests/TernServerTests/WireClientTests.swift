import Testing
import TernTables
import TernWire

/// TernWire from a client's side against a real node: requests encoded by TernWire, responses
/// and errors decoded by TernWire (what a remote `TableStore` client will do).
@Suite(.serialized)
struct WireClientTests {
    static func call<Request: WireEncodable>(_ client: HTTPTestClient, _ operation: String, _ request: Request) throws
        -> HTTPTestClient.Response
    {
        try client.request(
            headers: [("Content-Type", "application/x-amz-json-1.0"), ("X-Amz-Target", "DynamoDB_20120810.\(operation)")],
            body: request.wireBytes())
    }

    @Test("requests encoded and responses decoded by TernWire round-trip through a node")
    func clientRoundTrip() async throws {
        let node = try await NodeTestSupport.start(NodeTestSupport.configuration(NodeTestSupport.temporaryDirectory("client")))
        let client = try HTTPTestClient(port: NodeTestSupport.port(node))
        let create = CreateTableRequest(
            tableName: "Users", keySchema: [KeySchemaElement(attributeName: "pk", keyType: .hash)],
            attributeDefinitions: [AttributeDefinition(attributeName: "pk", attributeType: .string)], billingMode: .payPerRequest)
        let created = try CreateTableResponse(wireBytes: Self.call(client, "CreateTable", create).body)
        #expect(created.tableDescription.tableName == "Users")
        #expect(created.tableDescription.keySchema == create.keySchema)
        let item: Item = ["pk": .string("a"), "n": .number(try Number("2.50")), "b": .binary([0, 255]), "l": .list([.null, .bool(true)])]
        _ = try PutItemResponse(wireBytes: Self.call(client, "PutItem", PutItemRequest(tableName: "Users", item: item)).body)
        let got = try GetItemResponse(wireBytes: Self.call(client, "GetItem", GetItemRequest(tableName: "Users", key: ["pk": .string("a")])).body)
        #expect(got.item == item)
        // A conditional failure comes back as the table layer's error, with the current item.
        let conditional = PutItemRequest(
            tableName: "Users", item: ["pk": .string("a")], conditionExpression: "attribute_not_exists(pk)",
            returnValuesOnConditionCheckFailure: .allOld)
        let response = try Self.call(client, "PutItem", conditional)
        let error = WireError.decode(status: response.status, body: response.body)
        #expect(error.dynamoError?.code == .conditionalCheckFailed)
        #expect(error.item == item)
        await node.shutdown()
    }
}
