import Testing
import TernEngine
import TernTables
import TernTesting
@testable import TernRecovery

/// DynamoDB's table-level point-in-time recovery: the per-table switch, the window, and a table
/// restored as of an instant into a new table of the live store, with its indexes.
@Suite struct TableRecoveryTests {
    @Test func restoreTableToPointInTimeIntoTheLiveStore() throws {
        let fixture = try ArchivedStoreFixture()
        _ = try fixture.tables.createTable(RestoreModelTests.users, durability: .buffered)
        let recovery = TableRecovery(tables: fixture.tables, archive: fixture.archive)
        let disabled = try recovery.describeContinuousBackups(DescribeContinuousBackupsRequest(tableName: "Users"))
        #expect(disabled.continuousBackupsDescription.pointInTimeRecoveryDescription.pointInTimeRecoveryStatus == "DISABLED")
        #expect { _ = try recovery.restoreTableToPointInTime(RestoreTableToPointInTimeRequest(
            sourceTableName: "Users", targetTableName: "Users2", useLatestRestorableTime: true)) }
            throws: { ($0 as? DynamoError)?.code == .pointInTimeRecoveryUnavailable }
        let enabled = try recovery.updateContinuousBackups(UpdateContinuousBackupsRequest(tableName: "Users", pointInTimeRecoveryEnabled: true))
        #expect(enabled.continuousBackupsDescription.pointInTimeRecoveryDescription.pointInTimeRecoveryStatus == "ENABLED")
        fixture.wall.advance(microseconds: 1_000)
        try ArchiveBehaviourTests.putUsers(fixture, 0..<40)
        fixture.wall.advance(microseconds: 1_000)
        let beforeMistake = fixture.wall.microsecondsSinceEpoch()
        fixture.wall.advance(microseconds: 1_000)
        for index in 0..<25 {  // the mistake
            _ = try fixture.tables.deleteItem(DeleteItemRequest(tableName: "Users", key: ["email": .string("u\(index)@x.org")]), durability: .buffered)
        }
        fixture.wall.advance(microseconds: 1_000)
        let response = try recovery.restoreTableToPointInTime(RestoreTableToPointInTimeRequest(
            sourceTableName: "Users", targetTableName: "UsersRestored", restoreDateTimeMicroseconds: beforeMistake))
        #expect(response.tableDescription.tableName == "UsersRestored")
        let restored = try fixture.tables.scan(ScanRequest(tableName: "UsersRestored")).items
        #expect(restored.count == 40)
        let live = try fixture.tables.scan(ScanRequest(tableName: "Users")).items
        #expect(live.count == 15)
        // The index came back too.
        let oslo = try fixture.tables.query(QueryRequest(
            tableName: "UsersRestored", indexName: "by-city", keyConditionExpression: "city = :c",
            expressionAttributeValues: [":c": .string("Oslo")]))
        #expect(oslo.count == 40)
        // Errors as DynamoDB names them.
        #expect { _ = try recovery.restoreTableToPointInTime(RestoreTableToPointInTimeRequest(
            sourceTableName: "Users", targetTableName: "UsersRestored", useLatestRestorableTime: true)) }
            throws: { ($0 as? DynamoError)?.code == .tableAlreadyExists }
        #expect { _ = try recovery.restoreTableToPointInTime(RestoreTableToPointInTimeRequest(
            sourceTableName: "Nope", targetTableName: "X", useLatestRestorableTime: true)) }
            throws: { ($0 as? DynamoError)?.code == .tableNotFound }
        #expect { _ = try recovery.restoreTableToPointInTime(RestoreTableToPointInTimeRequest(
            sourceTableName: "Users", targetTableName: "X", restoreDateTimeMicroseconds: beforeMistake + 3_600_000_000)) }
            throws: { ($0 as? DynamoError)?.code == .invalidRestoreTime && "\($0)".contains("window") }
        let window = try recovery.describeContinuousBackups(DescribeContinuousBackupsRequest(tableName: "Users"))
            .continuousBackupsDescription.pointInTimeRecoveryDescription
        #expect(window.earliestRestorableDateTimeMicroseconds != nil)
        #expect(window.latestRestorableDateTimeMicroseconds! >= beforeMistake)
        try fixture.close()
    }

    @Test func withoutAnArchiveBackupsAreUnavailable() throws {
        let fixture = try ArchivedStoreFixture()
        _ = try fixture.tables.createTable(RestoreModelTests.users, durability: .buffered)
        let recovery = TableRecovery(tables: fixture.tables, archive: nil)
        #expect { _ = try recovery.updateContinuousBackups(UpdateContinuousBackupsRequest(tableName: "Users", pointInTimeRecoveryEnabled: true)) }
            throws: { ($0 as? DynamoError)?.code == .continuousBackupsUnavailable }
        #expect(try recovery.describeContinuousBackups(DescribeContinuousBackupsRequest(tableName: "Users"))
            .continuousBackupsDescription.continuousBackupsStatus == "DISABLED")
        try fixture.close()
    }
}
