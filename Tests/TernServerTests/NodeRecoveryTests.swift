import Glibc
import Testing
import TernEngine
import TernTables
import TernWire

/// Point-in-time recovery over the wire: a node with `--archive` serves UpdateContinuousBackups,
/// DescribeContinuousBackups and RestoreTableToPointInTime; without one, backups are unavailable.
@Suite(.serialized)
struct NodeRecoveryTests {
    static func call<Request: WireEncodable>(_ client: HTTPTestClient, _ operation: String, _ request: Request) throws
        -> HTTPTestClient.Response
    {
        try WireClientTests.call(client, operation, request)
    }

    @Test("a node with an archive restores a table to the microsecond before a mistake")
    func restoreTableOverTheWire() async throws {
        let directory = NodeTestSupport.temporaryDirectory("pitr")
        var configuration = NodeTestSupport.configuration(directory + "/data")
        configuration.archiveDirectory = directory + "/archive"
        let node = try await NodeTestSupport.start(configuration)
        let client = try HTTPTestClient(port: NodeTestSupport.port(node))
        let create = CreateTableRequest(
            tableName: "Messages", keySchema: [KeySchemaElement(attributeName: "pk", keyType: .hash)],
            attributeDefinitions: [AttributeDefinition(attributeName: "pk", attributeType: .string)], billingMode: .payPerRequest)
        #expect(try Self.call(client, "CreateTable", create).status == 200)
        let enabled = try UpdateContinuousBackupsResponse(wireBytes: Self.call(client, "UpdateContinuousBackups",
            UpdateContinuousBackupsRequest(tableName: "Messages", pointInTimeRecoveryEnabled: true)).body)
        #expect(enabled.continuousBackupsDescription.pointInTimeRecoveryDescription.pointInTimeRecoveryStatus == "ENABLED")
        usleep(2_000)
        for index in 0..<10 {
            #expect(try Self.call(client, "PutItem", PutItemRequest(tableName: "Messages", item: ["pk": .string("m\(index)")])).status == 200)
        }
        usleep(2_000)
        let beforeMistake = SystemClock().microsecondsSinceEpoch()
        usleep(2_000)
        for index in 0..<6 {
            #expect(try Self.call(client, "DeleteItem", DeleteItemRequest(tableName: "Messages", key: ["pk": .string("m\(index)")])).status == 200)
        }
        let described = try DescribeContinuousBackupsResponse(wireBytes: Self.call(client, "DescribeContinuousBackups",
            DescribeContinuousBackupsRequest(tableName: "Messages")).body)
        let window = described.continuousBackupsDescription.pointInTimeRecoveryDescription
        #expect(window.earliestRestorableDateTimeMicroseconds.map { $0 < beforeMistake } == true)
        let restored = try Self.call(client, "RestoreTableToPointInTime", RestoreTableToPointInTimeRequest(
            sourceTableName: "Messages", targetTableName: "MessagesBefore", restoreDateTimeMicroseconds: beforeMistake))
        #expect(restored.status == 200, "\(String(decoding: restored.body, as: UTF8.self))")
        #expect(try RestoreTableToPointInTimeResponse(wireBytes: restored.body).tableDescription.tableName == "MessagesBefore")
        let scan = try QueryResponse(wireBytes: Self.call(client, "Scan", ScanRequest(tableName: "MessagesBefore")).body)
        #expect(scan.count == 10)
        let live = try QueryResponse(wireBytes: Self.call(client, "Scan", ScanRequest(tableName: "Messages")).body)
        #expect(live.count == 4)
        // DynamoDB's errors.
        let exists = try Self.call(client, "RestoreTableToPointInTime", RestoreTableToPointInTimeRequest(
            sourceTableName: "Messages", targetTableName: "MessagesBefore", useLatestRestorableTime: true))
        #expect(WireError.decode(status: exists.status, body: exists.body).name == "TableAlreadyExistsException")
        let tooOld = try Self.call(client, "RestoreTableToPointInTime", RestoreTableToPointInTimeRequest(
            sourceTableName: "Messages", targetTableName: "X", restoreDateTimeMicroseconds: 1_000_000))
        #expect(WireError.decode(status: tooOld.status, body: tooOld.body).name == "InvalidRestoreTimeException")
        let health = try client.request("GET", "/health")
        #expect(String(decoding: health.body, as: UTF8.self).contains("\"archive\""))
        await node.shutdown()
    }

    @Test("without an archive, UpdateContinuousBackups is ContinuousBackupsUnavailableException")
    func withoutArchive() async throws {
        let node = try await NodeTestSupport.start(NodeTestSupport.configuration(NodeTestSupport.temporaryDirectory("no-pitr")))
        let client = try HTTPTestClient(port: NodeTestSupport.port(node))
        let create = CreateTableRequest(
            tableName: "Tbl", keySchema: [KeySchemaElement(attributeName: "pk", keyType: .hash)],
            attributeDefinitions: [AttributeDefinition(attributeName: "pk", attributeType: .string)], billingMode: .payPerRequest)
        _ = try Self.call(client, "CreateTable", create)
        let response = try Self.call(client, "UpdateContinuousBackups",
            UpdateContinuousBackupsRequest(tableName: "Tbl", pointInTimeRecoveryEnabled: true))
        #expect(response.status == 400)
        #expect(WireError.decode(status: response.status, body: response.body).name == "ContinuousBackupsUnavailableException")
        let missing = try Self.call(client, "DescribeContinuousBackups", DescribeContinuousBackupsRequest(tableName: "Nope"))
        #expect(WireError.decode(status: missing.status, body: missing.body).name == "TableNotFoundException")
        await node.shutdown()
    }
}
