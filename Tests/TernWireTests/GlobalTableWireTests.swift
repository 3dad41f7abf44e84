import Testing
import TernTables
@testable import TernWire

/// UpdateTable's ReplicaUpdates and DescribeTable's Replicas in DynamoDB JSON.
@Suite struct GlobalTableWireTests {
    static func object(_ text: String) throws -> WireObject {
        try WireObject(JSONParser.parse(Array(text.utf8)))
    }

    @Test func replicaUpdatesDecode() throws {
        let request = try UpdateTableRequest(wire: Self.object(
            #"{"TableName":"Users","ReplicaUpdates":[{"Create":{"RegionName":"eu-west"}},{"Delete":{"RegionName":"ap-south"}}]}"#))
        #expect(request == UpdateTableRequest(tableName: "Users", replicaUpdates: [.create(regionName: "eu-west"), .delete(regionName: "ap-south")]))
        #expect(try UpdateTableRequest(wire: Self.object(String(decoding: request.wireBytes(), as: UTF8.self))) == request)
    }

    @Test(arguments: [
        #"{"TableName":"Users","BillingMode":"PAY_PER_REQUEST"}"#,
        #"{"TableName":"Users","ReplicaUpdates":[{"Update":{"RegionName":"eu-west"}}]}"#,
        #"{"TableName":"Users","ReplicaUpdates":[{"Create":{}}]}"#,
    ])
    func unsupportedUpdatesAreRefused(_ text: String) {
        #expect(throws: WireError.self) { try UpdateTableRequest(wire: Self.object(text)) }
    }

    @Test func aGlobalTableDescribesItsReplicas() throws {
        var description = TableDescription(
            tableName: "Users", keySchema: [KeySchemaElement(attributeName: "pk", keyType: .hash)],
            attributeDefinitions: [AttributeDefinition(attributeName: "pk", attributeType: .string)], tableStatus: .active,
            creationDateTime: 1, billingMode: .payPerRequest, tableID: 3)
        let local = String(decoding: description.wireBytes(), as: UTF8.self)
        #expect(!local.contains("Replicas") && !local.contains("GlobalTableVersion"))
        description.replicas = [ReplicaDescription(regionName: "eu-west", replicaStatus: .active), ReplicaDescription(regionName: "us-east", replicaStatus: .creating)]
        description.globalTableVersion = TableDescription.globalTableVersion
        let text = String(decoding: description.wireBytes(), as: UTF8.self)
        #expect(text.contains(#""GlobalTableVersion":"2019.11.21","Replicas":[{"RegionName":"eu-west","ReplicaStatus":"ACTIVE"},{"RegionName":"us-east","ReplicaStatus":"CREATING"}]"#))
        let decoded = try TableDescription(wire: Self.object(text))
        #expect(decoded.replicas == description.replicas && decoded.globalTableVersion == "2019.11.21")
    }
}
